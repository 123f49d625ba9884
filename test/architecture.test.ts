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

  it('the API is named in one table: no endpoint path is written in src/ but api.ts, the emulator and the benchmarks', () => {
    const allowed = /^src\/(api\.ts|emulator\/|scripts\/bench\/|desired\/validators\.generated\.ts)/;
    for (const f of files('src').filter((f) => !allowed.test(f))) {
      const code = readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '');
      expect(`${f}: ${/\/v1\//.test(code)}`).toBe(`${f}: false`);
    }
  });

  it('the engine needs no casts and no non-null assertions: each action kind has its own type', () => {
    for (const f of files('src/engine')) {
      const code = readFileSync(f, 'utf8').replace(/\/\/.*$|\/\*[\s\S]*?\*\//gm, '').replace(/`[^`]*`|'[^']*'/g, "''").replace(/^(import|export) .*$/gm, '');
      expect(`${f}: ${(code.match(/\bas (?!const\b)[A-Za-z{(]|[\w)\]]!(?=[.,;)\[])/g) ?? []).join(' ')}`).toBe(`${f}: `);
    }
  });

  it('a command imports what it needs when it runs: cli.ts loads no command, engine, client or emulator module up front', () => {
    const eager = imports('src/cli.ts').filter((i) => i.startsWith('.'));
    expect(eager.filter((i) => !/^\.\/(commands\/io|emulator\/choices)\.js$/.test(i))).toEqual([]);
  });
});
