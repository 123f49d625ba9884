import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { readErrorBody } from '../../src/live/errors.js';
import { checkApiUrl, createClient } from '../../src/live/client.js';
import { ADMIN, caught } from '../helpers.js';
import { testClient } from '../live/helpers.js';
import { hostile, json } from '../live/hostile.js';
import { keyPieces, miniApi, run } from './helpers.js';

const dir = mkdtempSync(`${tmpdir()}/cbsync-transport-`);
const NEW_ORG = `${dir}/new.yaml`;
writeFileSync(NEW_ORG, 'version: 1\norganisations: [{name: New}]\n');

describe('redirects', () => {
  it.each([301, 302, 303, 307, 308])('a same-origin %i on POST is not followed (seen: followed as a GET of the listing, reported done)', async (status) => {
    const h = await hostile((req, res, url) => {
      if (req.method === 'POST' && url.pathname === '/v1/organisations') return json(res, status, {}, { location: '/v1/organisations/' });
      json(res, 200, { items: [], count: 0 });
    });
    try {
      const e = await caught(testClient(h.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e.kind).toBe('redirect');
      expect(e.ambiguous).toBe(false);
      expect(e.summary).toBe(`POST /v1/organisations: ${status}: answered ${status} with a redirect to ${h.url}/v1/organisations/; writes are never redirected, so nothing was written (check the API URL)`);
      expect(h.hits).toEqual(['POST /v1/organisations']);
    } finally {
      await h.close();
    }
  });

  it('a 307 to another host: that host receives nothing (seen: re-sent there, its 201 accepted)', async () => {
    const other = await hostile((_q, res) => json(res, 201, { id: 'org_elsewhere', name: 'x' }));
    const h = await miniApi((_q, res) => json(res, 307, {}, { location: `${other.url}/v1/organisations` }));
    try {
      const r = await run('apply', h.url, NEW_ORG, ADMIN);
      expect(r.out).toMatch(/organisation\["New"\]: failed \(POST \/v1\/organisations: 307: answered 307 with a redirect to http:\/\/127\.0\.0\.1:\d+\/v1\/organisations; writes are never redirected/);
      expect(r.code).toBe(1);
      expect(other.hits).toEqual([]);
    } finally {
      await h.close();
      await other.close();
    }
  });

  it('a listing redirected to another host is an error naming both origins; that host receives nothing', async () => {
    const other = await hostile((_q, res) => json(res, 200, { items: [], count: 0 }));
    const h = await hostile((_q, res, url) => json(res, 302, {}, { location: `${other.url}${url.pathname}${url.search}` }));
    try {
      const r = await run('plan', h.url, NEW_ORG, ADMIN);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`: 302: redirected from ${h.url} to ${other.url}: not followed (the key never goes to another origin)`);
      expect(other.hits).toEqual([]);
    } finally {
      await h.close();
      await other.close();
    }
  });

  it('a same-origin redirect of a read is followed (the query goes along in the Location)', async () => {
    const h = await hostile((_q, res, url) => {
      if (!url.pathname.endsWith('/')) return json(res, 301, {}, { location: `${url.pathname}/${url.search}` });
      json(res, 200, { items: [{ id: 'o1', name: 'One' }], count: 1 });
    });
    try {
      const r = await testClient(h.url, ADMIN).request('GET', '/v1/organisations', { query: { limit: 5, offset: 0 } });
      expect(r.data).toEqual({ items: [{ id: 'o1', name: 'One' }], count: 1 });
      expect(h.hits).toEqual(['GET /v1/organisations?limit=5&offset=0', 'GET /v1/organisations/?limit=5&offset=0']);
    } finally {
      await h.close();
    }
  });
});

describe('bounded reads', () => {
  it('--timeout covers the body (seen: a byte every 400 ms still read after 20 s with --timeout 1000)', async () => {
    const h = await hostile(async (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      for (let i = 0; i < 60 && !res.destroyed; i++) {
        res.write(' ');
        await new Promise((r) => setTimeout(r, 400));
      }
      res.end('{}');
    });
    try {
      const t = Date.now();
      const e = await caught(testClient(h.url, ADMIN, { timeoutMs: 1000, retries: 0 }).request('GET', '/v1/organisations'));
      expect(e.kind).toBe('timeout');
      expect(e.message).toBe('no complete answer within 1000 ms');
      expect(Date.now() - t).toBeLessThan(3000);
    } finally {
      await h.close();
    }
  });

  it.each([
    ['declared in Content-Length', true],
    ['streamed without a length', false],
  ])('an answer over the limit, %s, is refused and not retried (seen: 600 MiB retried 12 times)', async (_what, declared) => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'x');
    const h = await hostile((_q, res) => {
      res.writeHead(503, declared ? { 'content-length': String(big.length) } : {});
      res.end(big);
    });
    try {
      const e = await caught(testClient(h.url, ADMIN, { maxAnswerBytes: 1024 * 1024, retries: 5 }).request('GET', '/v1/organisations'));
      expect(e.kind).toBe('too_large');
      expect(e.message).toMatch(/^the answer is larger than 1 MiB/);
      expect(h.hits).toHaveLength(1);
    } finally {
      await h.close();
    }
  });
});

describe('the key is never printed', () => {
  // characters that change under percent-encoding and JSON escaping
  const KEY = 'cbs_live_Qx7+Zp/L2m=N4"vR8\\sT1wY6kJ';

  const echo = (form: (auth: string) => string) =>
    miniApi((req, res) => json(res, 400, { code: 'BAD', message: `${'.'.repeat(170)} you sent ${form(req.headers.authorization ?? '')} and more` }));

  it.each([
    ['raw', (a: string) => a],
    ['percent-encoded', (a: string) => encodeURIComponent(a)],
    ['JSON-escaped twice', (a: string) => JSON.stringify(a)],
    ['inside a Basic header', (a: string) => `Basic ${Buffer.from(`user:${a.replace(/^Bearer /, '')}`).toString('base64')}`],
    ['base64 at another alignment', (a: string) => Buffer.from(`xx${a.replace(/^Bearer /, '')}`).toString('base64')],
  ])('a server echoing the key %s, with the text cut at 200 characters (seen: 34 of 39 key characters printed)', async (_form, form) => {
    const h = await echo(form);
    try {
      const r = await run('apply', h.url, NEW_ORG, KEY, { json: true });
      expect(r.code).toBe(1);
      const report = JSON.parse(r.out);
      expect(report.results[0].outcome).toBe('failed');
      expect(keyPieces(KEY, 6, r.out, r.err)).toEqual([]);
      expect(r.out).toContain('[redacted]');
    } finally {
      await h.close();
    }
  });

  it('an echo cut short by the server itself still shows no long run of the key', async () => {
    const h = await miniApi((req, res) => json(res, 400, { message: `token ${String(req.headers.authorization).slice(7, 7 + 24)}… truncated` }));
    try {
      const r = await run('apply', h.url, NEW_ORG, KEY);
      expect(keyPieces(KEY, 12, r.out, r.err)).toEqual([]);
    } finally {
      await h.close();
    }
  });

  it('a URL with user info is refused without echoing it (seen: printed percent-encoded in --debug and the error)', async () => {
    const r = await run('plan', `http://user:${encodeURIComponent(KEY)}@127.0.0.1:9/`, NEW_ORG, KEY, { debug: true });
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: the API URL must not hold a user name or password: set the key in CHARGEBACKSTOP_API_KEY\n');
    expect(() => checkApiUrl('https://someone@api.example.com')).toThrow(/must not hold a user name/);
  });

  it('an invalid URL is echoed without its user info; a missing scheme gets a hint', () => {
    expect(() => checkApiUrl('http://user:secretpass@[bad')).toThrow('not a valid API URL: what follows the last @ is not a host:port (its value is not shown: it may hold a password; write https://host[:port])');
    expect(() => checkApiUrl('api.chargebackstop.com')).toThrow('not a valid API URL: api.chargebackstop.com; add the scheme, e.g. https://api.chargebackstop.com');
    expect(() => checkApiUrl('localhost:4010')).toThrow(/add the scheme, e\.g\. http:\/\/localhost:4010/); // loopback: http (issue 20)
  });

  it('--debug lines are redacted too', async () => {
    const h = await hostile((_q, res, url) => json(res, 200, { items: [], count: 0, next: `${url.pathname}?k=${encodeURIComponent(KEY)}` }));
    const lines: string[] = [];
    try {
      await createClient({ baseUrl: h.url, apiKey: KEY, maxRpm: 0, debug: (l) => lines.push(l) }).request('GET', `/v1/organisations?token=${encodeURIComponent(KEY)}`);
      expect(lines.length).toBe(2);
      expect(keyPieces(KEY, 6, ...lines)).toEqual([]);
    } finally {
      await h.close();
    }
  });
});

describe('error bodies read as people read them', () => {
  it.each([
    ['{"name": ["This field may not be blank."]}', 'name: This field may not be blank.'],
    ['{"name": ["Too long.", "Bad."], "merchant_ids": ["Required."]}', 'name: Too long. Bad.; merchant_ids: Required.'],
    ['{"non_field_errors": ["Organisation is locked."]}', 'Organisation is locked.'],
    ['{"merchant_ids": {"0": ["Unknown merchant."]}}', 'merchant_ids.0: Unknown merchant.'],
  ])('%s', (body, message) => {
    expect(readErrorBody(body)).toEqual({ code: null, message });
  });

  it('a Django REST Framework 400 prints as field: message over HTTP', async () => {
    const h = await miniApi((_q, res) => json(res, 400, { name: ['This field may not be blank.'] }));
    try {
      const r = await run('apply', h.url, NEW_ORG, ADMIN);
      expect(r.out).toContain('organisation["New"]: failed (400: name: This field may not be blank.)');
    } finally {
      await h.close();
    }
  });
});
