import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CANARIES, expectNoKey } from './helpers.js';

// The rules of the house (ARCHITECTURE.md), checked on the import statements.

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}
const imports = (file: string) => [...readFileSync(file, 'utf8').matchAll(/^import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);

describe('architecture', () => {
  it('the emulator imports only model.ts of cbsync (an independent reading of the API pages)', () => {
    for (const f of files('src/emulator')) {
      for (const i of imports(f).filter((i) => i.startsWith('..'))) expect(`${f}: ${i}`).toMatch(/: \.\.\/model\.js$/);
    }
  });

  it('plan/ does no I/O', () => {
    for (const f of files('src/plan')) {
      for (const i of imports(f)) expect(`${f}: ${i}`).not.toMatch(/: (node:(fs|http|https|net|child_process)|ofetch|\.\.\/(live|desired|apply|commands)\/)/);
    }
  });

  it('live/ and desired/ never import each other or plan/', () => {
    for (const f of files('src/live')) for (const i of imports(f)) expect(`${f}: ${i}`).not.toMatch(/\/(desired|plan|apply|commands)\//);
    for (const f of files('src/desired')) for (const i of imports(f)) expect(`${f}: ${i}`).not.toMatch(/\/(live|plan|apply|commands)\//);
  });

  it('the canary check catches a leaked key', () => {
    expect(() => expectNoKey(`Authorization: Bearer ${CANARIES[0]}`)).toThrow(/leaked/);
  });
});
