import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { planCommand } from '../../src/commands/plan.js';
import { ADMIN, caught, expectNoKey, testIo } from '../helpers.js';
import { makeCa, type Ca } from './certs.js';
import { testClient } from './helpers.js';
import { httpsApi } from './servers.js';

// TLS as users meet it: an API behind a private CA, an expired certificate, a certificate for
// another host (seen: each read as network trouble and retried 6 times, 5-6 s, before the error).
// None of them can heal: each fails at once and says what it is.

const dir = mkdtempSync(`${tmpdir()}/cbsync-tls-`);
const DESIRED = `${dir}/desired.yaml`;
writeFileSync(DESIRED, 'version: 1\norganisations: [{name: New}]\n');
const DAY = 86_400_000;

/** The built CLI in a child process (NODE_EXTRA_CA_CERTS is read when Node starts), asynchronously: the server runs here. */
async function cli(args: string[], env: Record<string, string | undefined>) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, ['dist/cli.js', ...args], { env: { PATH: process.env.PATH, ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

let ca: Ca;
beforeAll(async () => {
  ca = await makeCa();
});

describe('certificates the client refuses, at once', () => {
  it.each([
    ['issued by a CA this machine does not trust', () => ca.issue(), {}, /^the TLS certificate of 127\.0\.0\.1:\d+ cannot be verified: its issuer is not trusted here.*\(UNABLE_TO_VERIFY_LEAF_SIGNATURE\): set NODE_EXTRA_CA_CERTS to the PEM file of the CA that signs it/],
    ['expired', () => ca.issue({ notBefore: new Date(Date.now() - 30 * DAY), notAfter: new Date(Date.now() - DAY) }), { trust: true }, /^the TLS certificate of 127\.0\.0\.1:\d+ has expired \(CERT_HAS_EXPIRED\)$/],
    ['not valid yet', () => ca.issue({ notBefore: new Date(Date.now() + DAY), notAfter: new Date(Date.now() + 30 * DAY) }), { trust: true }, /^the TLS certificate of 127\.0\.0\.1:\d+ is not valid yet \(is this machine’s clock right\?\) \(CERT_NOT_YET_VALID\)$/],
    ['for another host name', () => ca.issue({ hosts: ['api.example.com'] }), { trust: true }, /^the TLS certificate of 127\.0\.0\.1:\d+ is for another host name \(it names DNS:api\.example\.com\) \(ERR_TLS_CERT_ALTNAME_INVALID\)$/],
  ])('%s: kind certificate, one attempt, named in words', async (_what, issue, { trust }: { trust?: boolean }, message) => {
    const api = await httpsApi(await issue());
    try {
      const client = testClient(api.url, ADMIN, { retries: 5, ...(trust ? { ca: ca.cert } : {}) });
      const e = await caught(client.request('GET', '/v1/organisations'));
      expect(e.kind).toBe('certificate');
      expect(e.ambiguous).toBe(false);
      expect(e.message).toMatch(message);
      expect(client.stats.requests).toBe(1);
      expect(api.hits).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('a POST refused for its certificate is not ambiguous: nothing was sent', async () => {
    const api = await httpsApi(await ca.issue());
    try {
      const e = await caught(testClient(api.url, ADMIN).request('POST', '/v1/organisations', { body: { name: 'x' } }));
      expect(e).toMatchObject({ kind: 'certificate', ambiguous: false });
      expect(api.hits).toEqual([]);
    } finally {
      await api.close();
    }
  });

  it('plan prints one line naming the problem and NODE_EXTRA_CA_CERTS, exit 1', async () => {
    const api = await httpsApi(await ca.issue());
    try {
      const io = testIo({ CHARGEBACKSTOP_API_URL: api.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      const code = await planCommand([DESIRED], { maxRpm: 0, retries: 5 }, io);
      expect(code).toBe(1);
      expect(io.err()).toMatch(/^error: GET \/v1\/\S+: certificate: the TLS certificate of 127\.0\.0\.1:\d+ cannot be verified: .*: set NODE_EXTRA_CA_CERTS to the PEM file of the CA that signs it \(a private or company CA\)\n$/);
    } finally {
      await api.close();
    }
  });
});

describe('a private CA made to work', () => {
  it('the ca option: the private CA is trusted beside the built-in ones', async () => {
    const api = await httpsApi(await ca.issue());
    try {
      const r = await testClient(api.url, ADMIN, { ca: ca.cert }).request('GET', '/v1/organisations');
      expect(r.data).toEqual({ items: [], count: 0 });
      expect(api.hits).toEqual(['GET /v1/organisations']);
    } finally {
      await api.close();
    }
  });

  it('another CA in the ca option does not make the certificate trusted', async () => {
    const api = await httpsApi(await ca.issue());
    try {
      const other = await makeCa('another throwaway CA');
      const e = await caught(testClient(api.url, ADMIN, { ca: other.cert }).request('GET', '/v1/organisations'));
      expect(e.kind).toBe('certificate');
    } finally {
      await api.close();
    }
  });

  it('NODE_EXTRA_CA_CERTS, as the README tells: the built CLI plans against the private-CA server', async () => {
    const api = await httpsApi(await ca.issue());
    const caFile = `${dir}/ca.pem`;
    writeFileSync(caFile, ca.cert);
    try {
      const env = { CHARGEBACKSTOP_API_URL: api.url, CHARGEBACKSTOP_API_KEY: ADMIN };
      const args = ['plan', DESIRED, '--max-rpm', '0'];
      const without = await cli(args, env);
      expect(without.code).toBe(1);
      expect(without.stderr).toContain('set NODE_EXTRA_CA_CERTS');
      const withCa = await cli(args, { ...env, NODE_EXTRA_CA_CERTS: caFile });
      expect(withCa.stderr).not.toContain('error');
      expect(withCa.stdout).toContain('+ create_organisation  organisation["New"]');
      expect(withCa.code).toBe(0);
      expectNoKey(without.stdout, without.stderr, withCa.stdout, withCa.stderr);
    } finally {
      await api.close();
    }
  });
});

describe('a host that does not exist', () => {
  it('fails at once and says so (seen: retried for 5 s)', async () => {
    const client = testClient('https://nothing-here.invalid', ADMIN, { retries: 5 });
    const e = await caught(client.request('GET', '/v1/organisations'));
    expect(e.kind).toBe('unresolved');
    expect(e.message).toBe('cannot resolve the host of https://nothing-here.invalid (ENOTFOUND: no such host; check the URL, or set HTTPS_PROXY if the API is reached through a proxy)');
    expect(client.stats.requests).toBe(1);
  });
});

