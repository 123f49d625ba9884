import { describe, expect, it } from 'vitest';
import { emulatorCommand } from '../../src/commands/emulator.js';
import { checkApiUrl } from '../../src/live/client.js';
import { emulatorProcess, testIo } from '../helpers.js';
import { api, expectGatewayPage } from './wire.js';

// `cbsync emulator`: what it prints is a URL cbsync accepts, and the new knobs' flags reach
// the emulator (over real HTTP, through the built CLI).

describe('cbsync emulator prints a URL cbsync accepts', () => {
  it.each(['0.0.0.0', '::', '127.0.0.1', '::1', 'localhost'])('--host %s', async (host) => {
    const io = testIo();
    const { exitCode, emulator } = await emulatorCommand({ host, port: 0, seedFile: 'examples/emulator-seed.yaml' }, io);
    expect(exitCode).toBe(0);
    try {
      const listening = /listening on (\S+)/.exec(io.out())![1]!;
      const [, url, key] = /^try: CHARGEBACKSTOP_API_URL=(\S+) CHARGEBACKSTOP_API_KEY=(\S+) cbsync plan/m.exec(io.out())!;
      expect(url).toBe(listening);
      expect(() => checkApiUrl(url!)).not.toThrow();
      if (host === '0.0.0.0' || host === '::') {
        expect(url).toBe(`http://127.0.0.1:${emulator!.port}`);
        expect(io.out()).toContain(`(every interface: --host ${host})`);
      }
      expect((await api(url!, key!)('GET', '/v1/organisations')).status).toBe(200);
    } finally {
      await emulator?.close();
    }
  });
});

describe('the new flags, through the built CLI', () => {
  it('--slow-commit-rate, --commit-delay, --slow-commit-answer, --idempotency, --fail-reads-after-writes, --failed-read-answer, --error-shape html', async () => {
    const flags = ['--slow-commit-rate', '1', '--commit-delay', '1000', '--slow-commit-answer', '504', '--idempotency', 'on'];
    flags.push('--fail-reads-after-writes', '1', '--failed-read-answer', '502', '--error-shape', 'html', '--host', '0.0.0.0');
    const { url, child } = await emulatorProcess(flags);
    try {
      const call = api(url, 'cbs_test_admin_key');
      const count = async () => (await call('GET', '/v1/organisations')).body.count as number;
      const before = await count();
      const create = () => call('POST', '/v1/organisations', { name: 'Slow One' }, { 'idempotency-key': 'k1' });
      expectGatewayPage(await create(), '504 Gateway Time-out');
      expect(await count()).toBe(before); // not landed, not visible
      expectGatewayPage(await create(), '409 Conflict'); // in progress under the same key; errors as gateway pages
      // once the write lands (--commit-delay after its answer), reads fail: wait for that, however slow the machine
      let read = await call('GET', '/v1/organisations');
      for (let i = 0; read.status === 200 && i < 100; i++) {
        await new Promise((r) => setTimeout(r, 50));
        read = await call('GET', '/v1/organisations');
      }
      expectGatewayPage(read, '502 Bad Gateway');
      const replay = await create();
      expect([replay.status, replay.body.name, replay.headers.get('idempotent-replayed')]).toEqual([201, '[TEST] Slow One', 'true']);
    } finally {
      child.kill();
    }
  });
});

describe('the rate flags tell the truth, or the emulator does not start', () => {
  const run = async (args: string[]) => {
    const { spawnSync } = await import('node:child_process');
    const r = spawnSync(process.execPath, ['dist/cli.js', 'emulator', '--port', '0', ...args], { encoding: 'utf8', timeout: 10_000 });
    return { status: r.status, err: r.stderr, out: r.stdout };
  };

  it.each([
    [['--rate-limit', '30', '--rate-window', '1500ms', '--rate-limit-headers', 'ietf'], /^error: --rate-window 1500ms cannot be stated by --rate-limit-headers ietf: its windows are whole seconds \(w=\); use a whole number of seconds, or x-epoch-ms/],
    [['--rate-limit', '30', '--rate-window', '2500ms', '--rate-limit-headers', 'ietf-draft7'], /^error: --rate-window 2500ms cannot be stated by --rate-limit-headers ietf-draft7: /],
    [['--rate-limit-headers', 'x'], /^error: --rate-limit-headers x needs --rate-limit: without a limit there is nothing for the headers to state\n$/],
    [['--rate-spent', '5'], /^error: --rate-spent needs --rate-limit: without a limit nothing is counted\n$/],
    // seen: accepted, and nothing limited
    [['--rate-window', '1s'], /^error: --rate-window and --rate-window-kind need --rate-limit: without a limit there is no window\n$/],
    [['--rate-window-kind', 'fixed'], /^error: --rate-window and --rate-window-kind need --rate-limit: /],
  ])('%j is refused at start (exit 2), with one line', async (args, message) => {
    const r = await run(args);
    expect(r.status).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('a window the headers can state is stated exactly: ietf w=3 for 3s; x-epoch-ms resets within 1500 ms of now for 1500ms', async () => {
    const ietf = await emulatorProcess(['--rate-limit', '30', '--rate-window', '3s', '--rate-limit-headers', 'ietf']);
    try {
      const r = await api(ietf.url, 'cbs_test_admin_key')('GET', '/v1/organisations');
      expect(r.headers.get('ratelimit-policy')).toBe('"default";q=30;w=3');
      expect(r.headers.get('ratelimit')).toBe('"default";r=29;t=3');
    } finally {
      ietf.child.kill();
    }
    const ms = await emulatorProcess(['--rate-limit', '30', '--rate-window', '1500ms', '--rate-limit-headers', 'x-epoch-ms']);
    try {
      const before = Date.now();
      const r = await api(ms.url, 'cbs_test_admin_key')('GET', '/v1/organisations');
      const reset = Number(r.headers.get('x-ratelimit-reset'));
      expect(reset).toBeGreaterThan(before);
      expect(reset).toBeLessThanOrEqual(Date.now() + 1500);
    } finally {
      ms.child.kill();
    }
  });
});
