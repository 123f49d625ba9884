import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ADMIN, withEmulator } from '../helpers.js';
import { write } from './helpers.js';

// Seen: SIGTERM (what a cancelled CI job sends) ended apply with exit 143 and an empty --json report.

describe('SIGTERM during a long apply', () => {
  it('no new action starts, running ones finish, the --json report is written, exit 1', () =>
    withEmulator({ latencyMs: 150 }, async (emu) => {
      const f = write(`version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: 12 }, (_, i) => `  - name: New ${i}\n`).join('')}`);
      const child = spawn(process.execPath, ['dist/cli.js', 'apply', f, '--yes', '--json', '--concurrency', '2', '--max-rpm', '0'], {
        env: { ...process.env, CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN, NO_COLOR: '1' },
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (err += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      while (!emu.stats.byEndpoint['POST /v1/organisations']) await new Promise((r) => setTimeout(r, 10));
      child.kill('SIGTERM');
      const code = await exited;
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
      const child = spawn(process.execPath, ['dist/cli.js', 'apply', f, '--yes', '--json', '--concurrency', '3'], {
        env: { ...process.env, CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN, NO_COLOR: '1' },
      });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      while (!emu.stats.rateLimited) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 300)); // well inside the minute's wait
      const posts = emu.stats.byEndpoint['POST /v1/organisations'];
      const signalled = Date.now();
      child.kill('SIGTERM');
      expect(await exited).toBe(1);
      // not the rest of the minute: at once (a generous bound for a busy machine)
      expect(Date.now() - signalled).toBeLessThan(10_000);
      expect(emu.stats.byEndpoint['POST /v1/organisations']).toBe(posts);
      const report = JSON.parse(out);
      expect(report.interrupted).toBe(true);
      expect(report.summary).toEqual({ done: 2, blocked: 0, failed: 0, skipped: 4 });
      expect(report.results.filter((r: any) => r.outcome === 'skipped').map((r: any) => r.message)).toEqual(Array(4).fill('not started: interrupted'));
      expect([...emu.store.orgs.values()].filter((o) => o.name.startsWith('[TEST] Wait')).length).toBe(2);
    }));
});
