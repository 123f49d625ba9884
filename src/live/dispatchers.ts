// The HTTP dispatchers clients opened, so that the CLI closes every one when a command ends:
// no idle socket, and no reconnect loop inside undici, keeps the process alive after its answer.
// Small on purpose: the CLI imports it whatever the command.

export interface Closable {
  destroy(): Promise<void>;
}

const open = new Set<Closable>();

export function opened(d: Closable): void {
  open.add(d);
}

/** Ends a dispatcher's connections at once (a request still in flight fails) and forgets it. */
export async function closeDispatcher(d: Closable): Promise<void> {
  open.delete(d);
  await d.destroy().catch(() => {});
}

/** Closes every dispatcher still open; how many there were. */
export async function closeDispatchers(): Promise<number> {
  const all = [...open];
  await Promise.all(all.map(closeDispatcher));
  return all.length;
}
