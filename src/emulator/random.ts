import { createHash } from 'node:crypto';

/**
 * Deterministic fate for the n-th occurrence of a request: a value in [0, 1) from a hash of the
 * random seed and the request's identity. Hashing (instead of one shared PRNG stream) keeps fault
 * injection reproducible even when a client sends requests concurrently in varying order.
 */
export function fate(seed: number, ...parts: (string | number)[]): number {
  const h = createHash('sha256').update(`${seed}\u0000${parts.join('\u0000')}`).digest();
  return h.readUInt32BE(0) / 0x1_0000_0000;
}

/** A short hex id component, deterministic for (seed, counter). */
export function idPart(seed: number, counter: number): string {
  return createHash('sha256').update(`id\u0000${seed}\u0000${counter}`).digest('hex').slice(0, 10);
}
