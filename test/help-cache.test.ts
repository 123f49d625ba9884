import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandsOf } from '../src/scripts/help-cache.js';

// `cbsync [COMMAND] --help` is answered from dist/help.json, written by the build from the
// parser's own answers: it must say exactly what the parser says, and the parser must still
// answer wherever the file is missing.

const run = (file: string, args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [file, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
const cached = JSON.parse(readFileSync('dist/help.json', 'utf8')) as Record<string, string>;

describe('help from the build', () => {
  it('holds the top-level help and every command it lists', () => {
    expect(Object.keys(cached)).toEqual(['', ...commandsOf(cached['']!)]);
    expect(commandsOf(cached['']!)).toEqual(['emulator', 'validate', 'plan', 'apply', 'export']);
  });

  it.each(Object.keys(cached))('cbsync %s --help and -h: the text the parser prints, exit 0', (name) => {
    const args = name ? [name] : [];
    const parser = run('dist/cli.js', [...args, '--help'], { CBSYNC_HELP_CACHE: 'off' });
    expect(parser.status).toBe(0);
    expect(parser.stdout).toBe(cached[name]);
    for (const flag of ['--help', '-h']) {
      const r = run('dist/cli.js', [...args, flag]);
      expect([r.status, r.stdout, r.stderr]).toEqual([0, parser.stdout, '']);
    }
  });

  it('goes through the same key filter: a key that appears in the help text is removed either way', () => {
    const env = { CHARGEBACKSTOP_API_KEY: 'cbsync_plan_key_0123456789' };
    const fast = run('dist/cli.js', ['--help'], env);
    expect(fast.stdout).toBe(run('dist/cli.js', ['--help'], { ...env, CBSYNC_HELP_CACHE: 'off' }).stdout);
  });

  it('without the file (the Action\'s single-file build), the parser answers the same', () => {
    expect(run('action/cbsync.mjs', ['plan', '--help']).stdout).toBe(cached['plan']);
  });

  it('anything else still goes to the parser: help for a command that does not exist, a flag beside --help', () => {
    const unknown = run('dist/cli.js', ['nosuch', '--help']);
    const parser = run('dist/cli.js', ['nosuch', '--help'], { CBSYNC_HELP_CACHE: 'off' });
    expect([unknown.status, unknown.stdout, unknown.stderr]).toEqual([parser.status, parser.stdout, parser.stderr]);
    expect(run('dist/cli.js', ['plan', '--json', '--help']).stdout).toBe(cached['plan']);
  });
});
