import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { progress } from '../src/commands/progress.js';
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

  it('--version comes from package.json', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(cbsync(['--version']).stdout).toBe(`${pkg.version}\n`);
  });

  it.each([
    [['plan', 'x.yaml', '--jsn'], "error: unknown option '--jsn'"],
    [['apply', '--concurrency', '0', 'x.yaml'], "error: option '--concurrency <n>' argument '0' is invalid. expected a whole number from 1 to 64"],
    [['plan', 'x.yaml', '--json', '--format', 'markdown'], "error: option '--json' cannot be used with option '--format <format>'"],
    [['validate'], "error: missing required argument 'paths'"],
  ])('a usage error is one line and where to look, never the whole help: %j', (args, first) => {
    const r = cbsync(args);
    expect(r.status).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(first);
    expect(lines.length).toBeLessThanOrEqual(3);
    expect(lines.at(-1)).toBe(`(see 'cbsync ${args[0]} --help')`);
    expect(r.stderr).not.toContain('Options:');
  });

  it('apply with a FILE and --plan is a conflict', () => {
    const r = cbsync(['apply', 'examples/desired.yaml', '--plan', 'p.json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('error: --plan applies a saved plan exactly: give no FILE with it\n');
  });

  it.each(['plan', 'apply', 'export', 'validate', 'emulator'])('%s --help lists its environment, its exit codes and an example', (cmd) => {
    const r = cbsync([cmd, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Environment:/);
    expect(r.stdout).toMatch(/Exit codes?:/);
    expect(r.stdout).toMatch(/Examples?:\n  cbsync /);
    if (cmd !== 'validate' && cmd !== 'emulator') expect(r.stdout).toContain('CHARGEBACKSTOP_API_KEY');
  });
});

describe('colour follows picocolors, and --color / --no-color', () => {
  it.each<[Record<string, string>, string[], boolean]>([
    [{}, [], false],
    [{ FORCE_COLOR: '1' }, [], true],
    [{ CI: 'true' }, [], true],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, [], false],
    [{ FORCE_COLOR: '1' }, ['--no-color'], false],
    [{}, ['--color'], true],
    // FORCE_COLOR=0 means off (seen: it turned colour on); a flag beats the environment (seen: NO_COLOR beat --color)
    [{ FORCE_COLOR: '0', CI: 'true' }, [], false],
    [{ FORCE_COLOR: 'false' }, [], false],
    [{ NO_COLOR: '1' }, ['--color'], true],
  ])('env %j, flags %j: colour %s', async (env, flags, coloured) => {
    const { useColor } = await import('../src/commands/color.js');
    const { bufferedIo } = await import('../src/commands/io.js');
    const io = bufferedIo({ TERM: 'xterm', ...env });
    const flag = flags.includes('--no-color') ? false : flags.includes('--color') ? true : undefined;
    expect(useColor(io, 'stdout', flag)).toBe(coloured);
  });
  it('TERM=dumb on a terminal: no colour', async () => {
    const { useColor } = await import('../src/commands/color.js');
    const { bufferedIo } = await import('../src/commands/io.js');
    expect(useColor(bufferedIo({ TERM: 'dumb' }, true))).toBe(false);
    expect(useColor(bufferedIo({ TERM: 'xterm' }, true))).toBe(true);
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

  it('never shows more running than the concurrency: actions waiting for a listing show as waiting (seen: "5 running" at concurrency 4)', () => {
    let out = '';
    const p = progress(8, (s) => (out = s), true, 4);
    for (let i = 0; i < 5; i++) p.started();
    expect(out).toBe('\r\x1b[K[........................] 0/8, 4 running, 1 waiting');
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
