import { ApiProblem } from './problem.js';
import type { Result } from './router.js';

// Idempotency-Key on POST, as Stripe's API and the IETF httpapi draft describe it (the API
// pages do not promise it, so it is a knob): a repeat of a key with the same request answers
// the first answer and creates nothing; with another request, 422; while the first is still
// in progress (a slow commit), 409. Only a create that succeeded is remembered: a refused one
// may be sent again under the same key. Keys are remembered per API key, for the emulator's
// lifetime (Stripe keeps them 24 hours).

export interface Claim {
  /** the first answer, when this request repeats one already answered */
  replay?: Result;
  /** records the answer of the request that holds the key (undefined: it failed, forget the key) */
  settle(answer: Result | undefined): void;
}

export class IdempotencyKeys {
  private entries = new Map<string, { fingerprint: string; answer?: Result }>();

  /** Undefined without a key; throws 422 or 409 when the key cannot be used for this request. */
  claim(scope: string, key: string | undefined, fingerprint: string): Claim | undefined {
    if (!key) return undefined;
    const id = `${scope}\u0000${key}`;
    const seen = this.entries.get(id);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw new ApiProblem(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used with another request');
      }
      if (!seen.answer) {
        throw new ApiProblem(409, 'IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still in progress');
      }
      return { replay: seen.answer, settle: () => {} };
    }
    const entry: { fingerprint: string; answer?: Result } = { fingerprint };
    this.entries.set(id, entry);
    return {
      settle: (answer) => {
        if (answer) entry.answer = answer;
        else this.entries.delete(id);
      },
    };
  }
}
