import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));

describe('the npm package and the demo', () => {
  it('ships dist, schema, examples, README and LICENSE, and nothing from test/', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8' });
    const files: string[] = JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
    for (const f of ['dist/cli.js', 'dist/index.js', 'schema/desired-state.schema.json', 'schema/plan.schema.json', 'examples/emulator-seed.yaml', 'examples/desired.yaml', 'examples/github/cbsync-plan.yml', 'README.md', 'LICENSE', 'package.json']) {
      expect(files).toContain(f);
    }
    expect(files.filter((f) => f.startsWith('test/') || f.startsWith('src/') || f.startsWith('dist/scripts/') || f.startsWith('action/'))).toEqual([]);
  });

  it('runs no script where it is installed: it is built when packed, and in a checkout after npm ci', () => {
    // npm runs these for a tarball, git or directory install (and npm 11 warns about them)
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(pkg.scripts[s], s).toBeUndefined();
    expect(pkg.scripts.prepack).toBe('npm run build');
    // npm runs `dependencies` only in the project whose node_modules changed: this checkout
    expect(pkg.scripts.dependencies).toBe('npm run build');
  });

  it('in a clone, npx cbsync runs the built CLI at once: nothing is rebuilt', () => {
    const before = statSync('dist/cli.js').mtimeMs;
    const cache = mkdtempSync(`${tmpdir()}/cbsync-npx-cache-`);
    const r = spawnSync('npx', ['--offline', 'cbsync', '--version'], { encoding: 'utf8', env: { ...process.env, npm_config_cache: cache }, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${pkg.version}\n`);
    expect(statSync('dist/cli.js').mtimeMs).toBe(before);
  });

  it('npm run demo works with no key and no network, and changes no file', () => {
    const env = { ...process.env, CHARGEBACKSTOP_API_KEY: '', CHARGEBACKSTOP_API_URL: '', NO_COLOR: '1' };
    const examples = ['examples/desired.yaml', 'examples/emulator-seed.yaml'].map((f) => readFileSync(f, 'utf8'));
    const r = spawnSync(process.execPath, ['dist/scripts/demo.js'], { encoding: 'utf8', env, timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    for (const step of ['$ cbsync validate desired.yaml', '$ cbsync plan desired.yaml --diff', '$ cbsync apply desired.yaml --yes', '$ cbsync plan desired.yaml', '$ cbsync export']) {
      expect(r.stdout).toContain(step);
    }
    expect(r.stdout).toContain('Apply: 7 done, 1 blocked, 0 failed, 0 skipped.');
    expect(r.stdout).toContain('Plan: 0 to create, 0 to rename, 0 to disable, 0 to replace, 0 to delete, 1 blocked, 0 unreconcilable.');
    expect(r.stdout).toContain('Demo finished: every step gave the expected exit code.');
    expect(['examples/desired.yaml', 'examples/emulator-seed.yaml'].map((f) => readFileSync(f, 'utf8'))).toEqual(examples);
  });
});
