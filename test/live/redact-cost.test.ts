import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cut, grams, REDACTED, redactor, RUN, runs, type Range } from '../../src/live/redact.js';
import { check } from '../properties/run.js';

// Everything printed passes through the scrubber, so its cost must be linear in the text:
// review 4 found each match cut out with a copy of the whole text (8,000 names holding the
// key's tail made `plan --json` take 33 s) and a substring hashed at most characters of
// ordinary text (30-40x the cost before). Timing is the bench's business; these count.

const SEED = 20_261_130;
const KEY = 'cbs_live_Zq9xW2mK7pL4nR8tY1vBx3Fh6Jd0Sa5G';
const hex = (s: string) => Buffer.from(s).toString('hex');

/** Plan-like JSON holding no piece of the key. */
function planJson(n: number): string {
  const actions = Array.from({ length: n }, (_, i) => ({
    kind: i % 3 ? 'create_integration' : 'rename_organisation',
    target: `organisation["Acme Retail GmbH ${i} (EU-West) Marketplace"]`,
    id: `org_${(i * 7919).toString(36)}X${(i * 104729).toString(16).toUpperCase()}`,
    url: `https://api.chargebackstop.com/v1/organisations/org_${i}/integrations`,
    reason: 'live name differs from the desired one',
  }));
  return JSON.stringify({ version: 1, actions }, null, 2);
}

describe('the cost of scrubbing', () => {
  afterEach(() => vi.restoreAllMocks());

  it('100,000 echoes of the key in one text, in every form the scan finds, are all removed (one copy of the text, not one per match)', () => {
    const n = 100_000;
    const tail = KEY.slice(-14); // a masked echo: a run, found by the scan
    const head = KEY.slice(0, 20); // an echo cut short: found by the head rule
    const spaced = [...KEY.slice(9, 9 + RUN)].join(' '); // spelt out: all of them in one spaced stretch
    const text = `${Array.from({ length: n }, (_, i) => `${i % 2 ? tail : head};`).join('')}\n${Array.from({ length: n }, () => spaced).join(' ')}`;
    const out = redactor(KEY)(text);
    // the spaced stretch holds the run over and over: one stretch, one [redacted]
    expect(out.length).toBe(`${REDACTED};`.length * n + 1 + REDACTED.length);
    expect(out === `${`${REDACTED};`.repeat(n)}\n${REDACTED}`).toBe(true);
  });

  it('cut builds the text from its pieces once', () => {
    const concat = vi.spyOn(String.prototype, 'concat');
    const join = vi.spyOn(Array.prototype, 'join');
    const ranges: Range[] = Array.from({ length: 1000 }, (_, i) => [3 * i, 3 * i + 2]);
    expect(cut('ab,'.repeat(1000), ranges)).toBe(`${REDACTED},`.repeat(1000));
    expect(join).toHaveBeenCalledTimes(1);
    expect(concat).not.toHaveBeenCalled();
  });

  it('ordinary text is looked at without taking substrings of it (fewer than 1 in 500 characters)', () => {
    const text = planJson(2000);
    const redact = redactor(KEY);
    const slice = vi.spyOn(String.prototype, 'slice');
    expect(redact(text)).toBe(text);
    // before: one or two substrings at every character that could begin a run of the key
    expect(slice.mock.calls.length).toBeLessThan(text.length / 500);
  });

  it('runs finds exactly the stretches a test of every position finds', () =>
    check(
      fc.property(
        fc.string({ unit: fc.constantFrom(...'abAB01_-"\\%é中 '), minLength: 8, maxLength: 30 }),
        fc.array(fc.oneof(fc.string({ unit: fc.constantFrom(...'abAB01_-"\\%é中 '), maxLength: 20 }), fc.constant('')), { maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(), fc.nat(), fc.boolean(), fc.boolean()), { maxLength: 6 }),
        (secret, filler, pieces) => {
          const sources = [[secret, RUN] as const, [hex(secret), 2 * RUN] as const];
          // text: filler with runs of the secret (or its hex), some upper-cased, between
          let text = '';
          pieces.forEach(([a, b, useHex, upper], k) => {
            const src = useHex ? hex(secret) : secret;
            const s = a % src.length;
            const piece = src.slice(s, s + 1 + (b % (src.length - s)));
            text += (filler[k] ?? '') + (upper ? piece.toUpperCase() : piece);
          });
          text += filler.slice(pieces.length).join('');
          expect(runs(text, grams(sources))).toEqual(naive(text, sources));
        },
      ),
      { numRuns: 400, seed: SEED },
    ));
});

/** The merged stretches covered by some gram, testing every position. */
function naive(text: string, sources: readonly (readonly [string, number])[]): Range[] {
  const fold = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
  const cover = new Array<boolean>(text.length + 1).fill(false);
  const starts = new Array<boolean>(text.length).fill(false);
  for (const [source, n] of sources) {
    const len = Math.min(n, source.length);
    const set = new Set(Array.from({ length: source.length - len + 1 }, (_, i) => fold(source.slice(i, i + len))));
    for (let i = 0; i + len <= text.length; i++) {
      if (!set.has(fold(text.slice(i, i + len)))) continue;
      starts[i] = true;
      for (let j = i; j < i + len; j++) cover[j] = true;
    }
  }
  // merged as runs() merges: stretches that touch or overlap are one
  const out: Range[] = [];
  for (let i = 0; i < text.length; i++) {
    if (!cover[i]) continue;
    const last = out[out.length - 1];
    if (last && last[1] >= i) last[1] = Math.max(last[1], i + 1);
    else out.push([i, i + 1]);
  }
  return out;
}
