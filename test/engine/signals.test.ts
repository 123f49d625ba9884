import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ADMIN, withEmulator } from '../helpers.js';
import { write } from './helpers.js';

// Seen: SIGTERM (what a cancelled CI job sends) ended apply with exit 143 and an empty --json report.

/**
 * `apply FILE --yes --json ...flags` against the emulator, sent SIGTERM `pauseMs` after `ready()`
 * holds (`atSignal` runs just before): its exit code, stdout, stderr and how long it took after the signal.
 */
async function signalled(emu: { url: string }, f: string, flags: string[], ready: () => boolean, pauseMs = 200, atSignal = () => {}) {
  const child = spawn(process.execPath, ['dist/cli.js', 'apply', f, '--yes', '--json', ...flags], {
    env: { ...process.env, CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN, NO_COLOR: '1' },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  while (!ready()) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, pauseMs));
  atSignal();
  const at = Date.now();
  child.kill('SIGTERM');
  const code = await exited;
  return { code, out, err, afterMs: Date.now() - at };
}

describe('SIGTERM during a long apply', () => {
  it('no new action starts, running ones finish, the --json report is written, exit 1', () =>
    withEmulator({ latencyMs: 150 }, async (emu) => {
      const f = write(`version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: 12 }, (_, i) => `  - name: New ${i}\n`).join('')}`);
      const { code, out, err } = await signalled(emu, f, ['--concurrency', '2', '--max-rpm', '0'], () => !!emu.stats.byEndpoint['POST /v1/organisations'], 0);
      expect(code).toBe(1);
      expect(err).toContain('interrupted (SIGTERM): no new action will start; waiting for running ones');
      const report = JSON.parse(out);
      expect(report.interrupted).toBe(true);
      const done = report.results.filter((r: any) => r.outcome === 'done').length;
      expect(done).toBeGreaterThanOrEqual(1);
      expect(done).toBeLessThan(12);
      expect(report.results.filter((r: any) => r.outcome === 'skipped').every((r: any) => r.message === 'not started: interrupted')).toBe(true);
      // what was reported done is what exists
      expect([...emu.store.orgs.values()].filter((o) => o.name.startsWith('[TEST] New')).length).toBe(done);
    }));

  // seen: SIGTERM during a 60 s Retry-After wait: cbsync waited it out, exited 55 s after the signal and
  // sent the waiting creates after it (a cancelled GitHub job is killed ~10 s after its signal)
  it('during a rate-limit wait: the waiting creates are never sent, the run ends at once, reported not started', () =>
    withEmulator({ latencyMs: 5, rateLimit: 5, rateWindowMs: 60_000, rateSpent: 3 }, async (emu) => {
      // each endpoint has 2 requests left of its minute: the listings pass, 2 creates go, then 429 with Retry-After 60
      const f = write(`version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: 6 }, (_, i) => `  - name: Wait ${i}\n`).join('')}`);
      let posts: number | undefined;
      // well inside the minute's wait
      const r = await signalled(emu, f, ['--concurrency', '3'], () => emu.stats.rateLimited > 0, 300, () => (posts = emu.stats.byEndpoint['POST /v1/organisations']));
      expect(r.code).toBe(1);
      // not the rest of the minute: at once (a generous bound for a busy machine)
      expect(r.afterMs).toBeLessThan(10_000);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(posts);
      const report = JSON.parse(r.out);
      expect(report.interrupted).toBe(true);
      expect(report.summary).toEqual({ done: 2, blocked: 0, failed: 0, skipped: 4 });
      expect(report.results.filter((r: any) => r.outcome === 'skipped').map((r: any) => r.message)).toEqual(Array(4).fill('not started: interrupted'));
      expect([...emu.store.orgs.values()].filter((o) => o.name.startsWith('[TEST] Wait')).length).toBe(2);
    }));

  // seen: SIGTERM while apply's first listing waited out a 429: the listing went on (more GETs after
  // the signal), the run ended only when --max-wait gave up, and a cancelled Action set no output
  it('during the listing before any change: ends at once, says nothing was changed, sends no write', () =>
    withEmulator({ rateLimit: 1, rateWindowMs: 60_000, rateSpent: 1 }, async (emu) => {
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Never\n');
      const r = await signalled(emu, f, [], () => emu.stats.rateLimited > 0);
      expect(r.code).toBe(1);
      expect(r.afterMs).toBeLessThan(10_000);
      expect(r.err).toContain('interrupted while reading live state: nothing was changed');
      expect(r.out).toBe('');
      expect(emu.stats.byEndpoint['POST /v1/organisations'] ?? 0).toBe(0);
    }));

  // seen: an interrupt during the closing check's wait was reported as a failed check ("the closing
  // check failed: ... interrupted ...", status not_verified), unlike one during the writes
  it('during the closing check: the writes reported done, the check skipped as interrupted, exit 1', () =>
    withEmulator({ rateLimit: 1, rateWindowMs: 60_000 }, async (emu) => {
      // one GET of each listing passes and one create; the closing check's GET meets a 429 and waits
      const f = write('version: 1\nprune: {organisations: false}\norganisations:\n  - name: Checked\n');
      const r = await signalled(emu, f, [], () => emu.stats.rateLimited > 0 && (emu.stats.byEndpoint['POST /v1/organisations'] ?? 0) > 0);
      expect(r.code).toBe(1);
      expect(r.afterMs).toBeLessThan(10_000);
      const report = JSON.parse(r.out);
      expect(report.summary).toEqual({ done: 1, blocked: 0, failed: 0, skipped: 0 });
      expect(report.interrupted).toBe(true);
      expect([report.verification.status, report.verification.reason]).toEqual(['skipped', 'interrupted: plan again to see what is left']);
    }));
});
