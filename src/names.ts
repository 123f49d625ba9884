// Name and wording rules shared by matching, ignore lists, export, validation and messages.

/** `[TEST] Acme` -> `Acme`: the server adds the prefix in TEST mode, so names compare without it. */
export function stripTestPrefix(name: string): string {
  return name.replace(/^\[TEST\]\s*/, '');
}

export const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** `1 change`, `3 changes` */
export const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
