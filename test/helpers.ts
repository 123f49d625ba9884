import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { bufferedIo, type BufferedIo } from '../src/commands/io.js';
import type { ApiError } from '../src/live/errors.js';
import type { Seed } from '../src/emulator/seed.js';
import { startEmulator, type EmulatorOptions, type RunningEmulator } from '../src/emulator/server.js';

export const ADMIN = 'cbs_admin_canary_7f3a9c';
export const GROUP = 'cbs_group_canary_51be02';
export const ORGKEY = 'cbs_org_canary_c0ffee';
export const READONLY = 'cbs_readonly_canary_99d1';
export const CANARIES = [ADMIN, GROUP, ORGKEY, READONLY];

/** A small account used by most tests: the keys double as canaries searched for in outputs. */
export function testSeed(extra: Partial<Seed> = {}): Seed {
  return {
    mode: 'TEST',
    keys: [
      { key: ADMIN, level: 'admin' },
      { key: GROUP, level: 'group', organisations: ['org_a'], abilities: ['organisations:read', 'organisations:write'] },
      { key: ORGKEY, level: 'organisation', organisation: 'org_a' },
      { key: READONLY, level: 'admin', abilities: ['organisations:read'] },
    ],
    organisations: [
      {
        id: 'org_a',
        name: '[TEST] Alpha',
        merchants: ['mer_a1', 'mer_a2', 'mer_a3'],
        integrations: [
          { id: 'int_a1', name: 'Orders', merchant_ids: ['mer_a1'] },
          { id: 'int_a2', name: 'Old', status: 'DISABLED', merchant_ids: ['mer_a2'] },
        ],
      },
      {
        id: 'org_b',
        name: '[TEST] Beta',
        merchants: ['mer_b1'],
        integrations: [{ id: 'int_b1', name: 'Shopify', type: 'SHOPIFY', merchant_ids: ['mer_b1'] }],
      },
      { id: 'org_empty', name: '[TEST] Empty' },
    ],
    ...extra,
  };
}

export async function withEmulator<T>(opts: EmulatorOptions, fn: (emu: RunningEmulator) => Promise<T>): Promise<T> {
  const emu = await startEmulator({ seed: testSeed(), ...opts });
  try {
    return await fn(emu);
  } finally {
    await emu.close();
  }
}

export interface Answer {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** Raw HTTP against the emulator (the contract tests read the API as a user with curl would). */
export function rawApi(base: string, key?: string) {
  return async (method: string, path: string, body?: unknown, rawBody?: string): Promise<Answer> => {
    const headers: Record<string, string> = {};
    if (key) headers.authorization = `Bearer ${key}`;
    if (body !== undefined || rawBody !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(base + path, { method, headers, body: rawBody ?? (body === undefined ? undefined : JSON.stringify(body)) });
    const text = await res.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: res.status, body: parsed, text, headers: res.headers };
  };
}

export function manyOrgs(n: number, prefix = 'Org'): Seed['organisations'] {
  return Array.from({ length: n }, (_, i) => ({ id: `org_${String(i).padStart(5, '0')}`, name: `[TEST] ${prefix} ${i}` }));
}

/** The key must never appear in any output: every test that produces output checks with this. */
export function expectNoKey(...texts: string[]) {
  for (const t of texts) for (const k of CANARIES) if (t.includes(k)) throw new Error(`an API key leaked into output: ...${t.slice(Math.max(0, t.indexOf(k) - 80), t.indexOf(k) + 40)}...`);
}

/** A loopback port nothing listens on (not one of fetch's blocked ports). */
export async function closedPort(): Promise<number> {
  const { createServer } = await import('node:http');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const captured: BufferedIo[] = [];

/** A recording Io whose output test/setup.ts checks for every canary key after each test. */
export function testIo(env: Record<string, string | undefined> = {}, tty = false): BufferedIo {
  const io = bufferedIo(env, tty);
  captured.push(io);
  return io;
}

/** Called after each test: no captured output may hold a key. */
export function checkCapturedOutput() {
  const ios = captured.splice(0);
  for (const io of ios) expectNoKey(io.out(), io.err());
  return ios.length;
}

/** The error a promise fails with (the test fails if it does not). */
export async function caught(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('expected a failure');
}

/** A fresh directory holding these files (paths may have folders); returns its path. */
export function tree(files: Record<string, string>): string {
  const root = mkdtempSync(`${tmpdir()}/cbsync-tree-`);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(`${root}/${path}`.replace(/\/[^/]+$/, ''), { recursive: true });
    writeFileSync(`${root}/${path}`, text);
  }
  return root;
}

/** `cbsync emulator` as users start it (the built CLI, its own process): its URL once it listens, and the child. */
export async function emulatorProcess(args: string[]): Promise<{ url: string; child: import('node:child_process').ChildProcess }> {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, ['dist/cli.js', 'emulator', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /listening on (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', () => reject(new Error('emulator exited')));
  });
  return { url, child };
}
