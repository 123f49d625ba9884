// Name rules shared by matching, ignore lists, export and validation.

/** `[TEST] Acme` -> `Acme`: the server adds the prefix in TEST mode, so names compare without it. */
export function stripTestPrefix(name: string): string {
  return name.replace(/^\[TEST\]\s*/, '');
}

export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
