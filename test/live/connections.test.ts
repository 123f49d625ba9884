import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { closeDispatchers } from '../../src/live/dispatchers.js';
import { ADMIN, caught, expectNoKey } from '../helpers.js';
import { testClient } from './helpers.js';
import { connectProxy } from './servers.js';

// Connections that outlive their use. A proxy that closes a CONNECT without answering (its
// upstream is down, or it drops what it denies) sent undici 6 into a reconnect loop (seen:
// 270,863 CONNECTs in 40 s; each attempt waited the whole --timeout, then the process never
// exited). And every connection a command opened is closed when it ends.

const API = 'https://api.cbsync.test';
const dir = mkdtempSync(`${tmpdir()}/cbsync-connections-`);
const DESIRED = `${dir}/desired.yaml`;
writeFileSync(DESIRED, 'version: 1\norganisations: [{name: New}]\n');
const dropped = (proxy: string) =>
  `the proxy ${proxy} closed the connection without answering the CONNECT to api.cbsync.test (a proxy does so when it cannot reach the host, or drops what it denies)`;

describe('a proxy that closes the CONNECT without answering', () => {
  it('fails at once, naming the proxy, after the retry policy\'s attempts, and stops there (seen: a timeout, then a CONNECT loop)', async () => {
    const proxy = await connectProxy(undefined, 'drop');
    const c = testClient(API, ADMIN, { env: { HTTPS_PROXY: proxy.url }, retries: 2, timeoutMs: 3000 });
    try {
      const e = await caught(c.request('GET', '/v1/organisations'));
      expect(e).toMatchObject({ kind: 'proxy', ambiguous: false, status: null });
      expect(e.message).toBe(dropped(proxy.url));
      expect(c.stats.requests).toBe(3);
      await sleep(200); // nothing goes on behind the failure
      expect(proxy.connects).toEqual(Array(3).fill('api.cbsync.test:443'));
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('a POST through it never reached the API: not ambiguous, tried again within the policy', async () => {
    const proxy = await connectProxy(undefined, 'drop');
    const c = testClient(API, ADMIN, { env: { HTTPS_PROXY: proxy.url }, retries: 1, timeoutMs: 3000 });
    try {
      const e = await caught(c.request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'proxy', ambiguous: false });
      expect(proxy.connects).toHaveLength(2);
    } finally {
      await c.close();
      await proxy.close();
    }
  });

  it('the built CLI prints one line naming the proxy and exits 1 (seen: never exited)', async () => {
    const proxy = await connectProxy(undefined, 'drop');
    try {
      const child = spawn(process.execPath, ['dist/cli.js', 'plan', DESIRED, '--api-url', API, '--timeout', '3000'], {
        env: { PATH: process.env.PATH, CHARGEBACKSTOP_API_KEY: ADMIN, HTTPS_PROXY: proxy.url },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      // killed when it hangs, as it did (the test then fails on the signal)
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const [code, signal] = await new Promise<[number | null, string | null]>((r) => child.on('close', (c, s) => r([c, s])));
      clearTimeout(killer);
      expect({ code, signal }).toEqual({ code: 1, signal: null });
      expect(stderr).toMatch(new RegExp(`^error: GET /v1/\\S+: proxy: ${literal(dropped(proxy.url))}\\n$`));
      // the retry policy's attempts (6) for each listing plan reads, no more
      expect(proxy.connects.length).toBeGreaterThan(0);
      expect(proxy.connects.length).toBeLessThanOrEqual(2 * 6);
      expectNoKey(stderr);
    } finally {
      await proxy.close();
    }
  });
});

/** a string as a regular expression that matches it alone */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A keep-alive http server that tells which of its connections are still open. */
async function keepAlive(): Promise<{ url: string; open: Set<Socket>; server: Server }> {
  const open = new Set<Socket>();
  const server = createServer((_q, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"items":[],"count":0}');
  });
  server.on('connection', (s: Socket) => {
    open.add(s);
    s.on('close', () => open.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, open, server };
}

const until = async (done: () => boolean) => {
  for (let i = 0; i < 200 && !done(); i++) await sleep(10);
  return done();
};

describe('connections are closed when their use ends', () => {
  it('client.close() ends the connections the client keeps alive', async () => {
    const s = await keepAlive();
    try {
      const c = testClient(s.url, ADMIN);
      await c.request('GET', '/v1/organisations');
      expect(s.open.size).toBe(1); // kept alive for the next request
      await c.close();
      expect(await until(() => s.open.size === 0)).toBe(true);
    } finally {
      s.server.close();
    }
  });

  it('closeDispatchers(), as the CLI calls it when a command ends, closes every client\'s', async () => {
    const s = await keepAlive();
    try {
      for (let i = 0; i < 2; i++) await testClient(s.url, ADMIN).request('GET', '/v1/organisations');
      expect(s.open.size).toBe(2);
      expect(await closeDispatchers()).toBeGreaterThanOrEqual(2);
      expect(await until(() => s.open.size === 0)).toBe(true);
      expect(await closeDispatchers()).toBe(0);
    } finally {
      s.server.close();
    }
  });
});
