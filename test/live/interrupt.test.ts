import { describe, expect, it } from 'vitest';
import { withSignal } from '../../src/live/client.js';
import { Pacer, WaitInterrupted } from '../../src/live/pacer.js';
import { ADMIN, caught, withEmulator } from '../helpers.js';
import { testClient } from './helpers.js';
import { hostile, json } from './hostile.js';
import { VirtualClock } from './pacer-sim.js';

// The interrupt reaches every wait (seen: SIGTERM ignored until a 60 s Retry-After ended, then
// the waiting requests sent): a request still waiting when it comes is not sent.

const EP = 'POST /v1/organisations';

describe('an abort signal during a wait', () => {
  it('the Pacer: a request waiting for its turn is given up and its turn handed back', async () => {
    const clock = new VirtualClock();
    const pacer = new Pacer({ mode: 60, clock }); // one a second
    const stop = new AbortController();
    await clock.run(pacer.acquire(EP));
    const waiting = pacer.acquire(EP, stop.signal);
    const outcome = waiting.then(
      () => 'sent',
      (e: unknown) => (e instanceof WaitInterrupted ? 'interrupted' : String(e)),
    );
    stop.abort();
    expect(await clock.run(outcome)).toBe('interrupted');
    // its turn is free again: the next request takes it (not one after it)
    expect(pacer.turn(EP).at).toBeLessThan(1100);
    // and once aborted, nothing more is acquired at all
    await expect(pacer.acquire(EP, stop.signal)).rejects.toBeInstanceOf(WaitInterrupted);
  });

  it("over HTTP: a create waiting out a 429's Retry-After is not sent again; it fails at once as interrupted, not ambiguous", () =>
    withEmulator({ rateLimit: 1, rateWindowMs: 60_000, rateSpent: 1 }, async (emu) => {
      const client = testClient(emu.url, ADMIN, { maxRpm: 'auto' });
      const stop = new AbortController();
      const request = client.request('POST', '/v1/organisations', { body: { name: 'Waits' }, signal: stop.signal });
      while (!emu.stats.rateLimited) await new Promise((r) => setTimeout(r, 5));
      const started = Date.now();
      stop.abort();
      const e = await caught(request);
      expect(Date.now() - started).toBeLessThan(1000);
      expect([e.kind, e.ambiguous, e.summary]).toEqual(['interrupted', false, 'POST /v1/organisations: interrupted: not sent: the run was interrupted while it waited']);
      expect(emu.stats.byEndpoint[EP]).toBe(1);
    }));

  it('over HTTP: a PATCH waiting to be retried after a 503 is not sent again, and may have been applied', async () => {
    const server = await hostile((_req, res) => json(res, 503, { code: 'UNAVAILABLE', message: 'try later' }));
    try {
      const client = testClient(server.url, ADMIN, { backoffBaseMs: 30_000, backoffMaxMs: 30_000 });
      const stop = new AbortController();
      const request = client.request('PATCH', '/v1/integrations/int_1', { body: { name: 'x' }, signal: stop.signal });
      while (!server.hits.length) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      stop.abort();
      const e = await caught(request);
      expect([e.kind, e.ambiguous]).toEqual(['interrupted', true]);
      expect(e.message).toBe('not sent again: the run was interrupted (an earlier attempt may have been applied)');
      expect(server.hits).toEqual(['PATCH /v1/integrations/int_1']);
    } finally {
      await server.close();
    }
  });

  // seen: the Action cancelled while the closing check's GET waited on a slow server: cbsync held
  // on past the runner's 10 s and the step was killed with no output at all
  it('over HTTP: a read in flight is cut at once; a write in flight is let finish', async () => {
    const server = await hostile(async (req, res) => {
      await new Promise((r) => setTimeout(r, req.method === 'GET' ? 20_000 : 300));
      if (!res.destroyed) json(res, req.method === 'GET' ? 200 : 201, req.method === 'GET' ? { items: [], count: 0 } : { id: 'org_1', name: 'x' });
    });
    try {
      const client = testClient(server.url, ADMIN);
      const stop = new AbortController();
      const read = client.request('GET', '/v1/organisations', { signal: stop.signal });
      const write = client.request('POST', '/v1/organisations', { body: { name: 'x' }, signal: stop.signal });
      while (server.hits.length < 2) await new Promise((r) => setTimeout(r, 5));
      const cut = Date.now();
      stop.abort();
      const e = await caught(read);
      expect(Date.now() - cut).toBeLessThan(1000);
      expect([e.kind, e.ambiguous, e.summary]).toEqual(['interrupted', false, 'GET /v1/organisations: interrupted: cut short: the run was interrupted while it read']);
      expect((await write).status).toBe(201);
    } finally {
      await server.close();
    }
  });

  // seen: apply on an account listed in more than 10 pages at once printed Node's
  // MaxListenersExceededWarning on every run (each read in flight listens to the interrupt)
  it('many reads in flight on one signal: no listener-leak warning', async () => {
    const server = await hostile(async (_req, res) => {
      await new Promise((r) => setTimeout(r, 100));
      json(res, 200, { items: [], count: 0 });
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const client = withSignal(testClient(server.url, ADMIN), new AbortController().signal);
      await Promise.all(Array.from({ length: 20 }, (_, i) => client.request('GET', `/v1/organisations?offset=${i}`)));
      await new Promise((r) => setTimeout(r, 50));
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await server.close();
    }
  });
});
