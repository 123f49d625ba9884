import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { progress } from '../src/apply/progress.js';
import { expectNoKey } from './helpers.js';

// The built CLI as a user runs it: real exit codes, one line per problem, no stack traces.

const cbsync = (args: string[], env: Record<string, string> = {}) => {
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { encoding: 'utf8', env: { ...process.env, CHARGEBACKSTOP_API_KEY: '', ...env } });
  expectNoKey(r.stdout, r.stderr);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  return r;
};

describe('the cbsync command line', () => {
  it('--help lists every command', () => {
    const r = cbsync(['--help']);
    expect(r.status).toBe(0);
    for (const c of ['validate', 'plan', 'apply', 'export', 'emulator']) expect(r.stdout).toContain(c);
  });

  it('validate: exit 0 and 1', () => {
    expect(cbsync(['validate', 'examples/desired.yaml']).status).toBe(0);
    const bad = cbsync(['validate', 'examples/emulator-seed.yaml']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^examples\/emulator-seed\.yaml:\d+:\d+: /);
  });

  it('plan without a key: one line, exit 1, after validating', () => {
    const r = cbsync(['plan', 'examples/desired.yaml']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: CHARGEBACKSTOP_API_KEY is not set: export the API key in the environment (never in the file)\n');
  });

  it('plan of a missing file: one line, exit 1', () => {
    const r = cbsync(['plan', 'nope.yaml'], { CHARGEBACKSTOP_API_KEY: 'cbs_admin_canary_7f3a9c' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('nope.yaml: file not found');
  });

  it('a bad flag value is refused by the parser', () => {
    const r = cbsync(['apply', 'examples/desired.yaml', '--concurrency', '100']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('expected a whole number from 1 to 64');
  });

  it('apply without FILE or --plan', () => {
    const r = cbsync(['apply']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('give the desired-state FILE (or files, directories, - for stdin), or --plan PLAN.json');
  });

  it('an unknown command', () => {
    expect(cbsync(['frobnicate']).status).toBe(1);
  });
});

describe('progress line', () => {
  it('draws on a terminal and clears around output', () => {
    let out = '';
    const p = progress(4, (s) => (out += s), true);
    p.started();
    p.finished(true);
    p.around(() => (out += 'LINE\n'));
    p.end();
    expect(out).toBe('\r\x1b[K[........................] 0/4, 1 running\r\x1b[K[######..................] 1/4\r\x1b[KLINE\n\r\x1b[K[######..................] 1/4\r\x1b[K');
  });

  it('draws nothing when not a terminal', () => {
    let out = '';
    const p = progress(2, (s) => (out += s), false);
    p.started();
    p.finished(true);
    p.end();
    expect(out).toBe('');
  });
});
