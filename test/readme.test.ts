import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emulatorProcess } from './helpers.js';

// The README is part of the product: its quick start, its format table and its curl
// examples are checked here against the code.

const readme = readFileSync('README.md', 'utf8');
const section = (title: string) => {
  const start = readme.indexOf(`## ${title}`);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
};
const codeBlocks = (text: string) => [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);

describe('README', () => {
  it('the quick start is exactly two commands, the demo and the tests, each with install', () => {
    const lines = codeBlocks(section('Quick start'))[0]!.trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(lines).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
    expect(pkg.scripts.demo).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
  });

  it('the format table names every property of the schema', () => {
    const schema = JSON.parse(readFileSync('schema/desired-state.schema.json', 'utf8'));
    const paths: string[] = [];
    const walk = (s: any, at: string) => {
      const props = s.$ref ? schema.$defs[s.$ref.split('/').pop()].properties : s.properties;
      for (const [k, v] of Object.entries<any>(props ?? {})) {
        const p = at ? `${at}.${k}` : k;
        const items = v.items?.$ref ? v.items : null;
        if (items) walk(items, `${p}[]`);
        else if (v.properties) walk(v, p);
        else paths.push(p);
      }
    };
    walk(schema, '');
    const table = section('The desired-state file');
    const missing = paths.filter((p) => !table.includes(`| \`${p}\` |`));
    expect(missing).toEqual([]);
  });

  it('the curl examples work against `cbsync emulator`', async () => {
    const { url, child } = await emulatorProcess([]);
    try {
      const curls = codeBlocks(section('Try it against the emulator'))
        .flatMap((b) => b.split('\n'))
        .filter((l) => l.startsWith('curl '));
      expect(curls.length).toBeGreaterThanOrEqual(5);
      const outputs = curls.map((c) => execFileSync('bash', ['-c', c.replaceAll('http://127.0.0.1:4010', url)], { encoding: 'utf8' }));
      for (const o of outputs) expect(() => JSON.parse(o)).not.toThrow();
      expect(JSON.parse(outputs[0]!).items).toHaveLength(2);
      expect(JSON.parse(outputs[1]!).name).toBe('[TEST] Wayne Enterprises');
      expect(JSON.parse(outputs[2]!).status).toBe('ENABLED');
      expect(JSON.parse(outputs[3]!).code).toBe('HAS_MERCHANTS');
      expect(JSON.parse(outputs[4]!).code).toBe('UNAUTHORISED');
      expect(JSON.parse(outputs[5]!).items.every((i: any) => i.organisation_id === 'org_acme')).toBe(true);
    } finally {
      child.kill();
    }
  });

  it('the library examples run as written (against the emulator): one plans, one applies', async () => {
    const { startEmulator } = await import('../src/emulator/server.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { spawn } = await import('node:child_process');
    const { resolve } = await import('node:path');
    const blocks = [...section('Library').matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks).toHaveLength(2);
    const dir = mkdtempSync(`${tmpdir()}/cbsync-library-`);
    const emu = await startEmulator({ seed: 'examples/emulator-seed.yaml' });
    const run = async (code: string, name: string) => {
      writeFileSync(`${dir}/${name}.mjs`, code.replace("from 'cbsync'", `from '${resolve('dist/index.js')}'`).replaceAll("['accounts/']", `['${resolve('examples/desired.yaml')}']`));
      const child = spawn(process.execPath, [`${dir}/${name}.mjs`], { env: { ...process.env, CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: 'cbs_test_admin_key' } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      expect(await new Promise((r) => child.on('close', r)), out).toBe(0);
      return out;
    };
    try {
      expect(await run(blocks[0]!, 'plan')).toContain('Plan: 2 to create, 2 to rename, 2 to disable');
      expect(await run(blocks[1]!, 'apply')).toContain('Apply: 7 done, 1 blocked, 0 failed, 0 skipped. verified');
    } finally {
      await emu.close();
    }
  });

  it('the diagnostics shown are what validate prints', async () => {
    const { loadDesiredText, formatDiagnostic } = await import('../src/desired/load.js');
    const r = loadDesiredText('version: 1\norganisations:\n  - name: A\n    integrations:\n      - name: S\n        merchant_ids: [m]\n        statsu: ENABLED\n', 'desired.yaml');
    const line = formatDiagnostic(r.diagnostics[0]!);
    expect(line).toBe('desired.yaml:7:9: organisations[0].integrations[0].statsu: unknown key "statsu" (did you mean "status"?)');
    expect(readme).toContain('unknown key "statsu" (did you mean "status"?)');
  });
});
