import { byText } from '../text.js';

// The one rule two concurrent runs agree on: of namesakes, the oldest is kept (its
// created_at), then the lowest id. Objects without a readable created_at sort last.

const time = (o: { created_at?: string }) => {
  const t = o.created_at ? Date.parse(o.created_at) : NaN;
  return Number.isNaN(t) ? Infinity : t;
};

/** The namesakes in the order of the rule: the first is kept, the others lose the tie. */
export function keptFirst<T extends { id: string; created_at?: string }>(namesakes: T[]): T[] {
  return [...namesakes].sort((a, b) => time(a) - time(b) || byText(a.id, b.id));
}
