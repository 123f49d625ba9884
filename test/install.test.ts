import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// The install route the README gives, without a registry release: pack, then install the
// tarball into an empty folder, as a user would on a fresh machine.

describe('an install that works', () => {
  it('the packed tarball installs into an empty folder; cbsync --version and validate run there', () => {
    const dir = mkdtempSync(`${tmpdir()}/cbsync-install-`);
    // dist/ is already built (pretest): packing must not rebuild it under the other tests
    const packed = JSON.parse(execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { encoding: 'utf8' }))[0];
    const files: string[] = packed.files.map((f: { path: string }) => f.path);
    // no source map pointing at files the package does not ship
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    const install = (...args: string[]) => {
      const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', ...args, join(dir, packed.filename)], { cwd: app, encoding: 'utf8', timeout: 240_000 });
      expect(r.status, r.stderr).toBe(0);
      // no install script to approve (npm 11: "install scripts not yet covered by allowScripts")
      expect(r.stderr).not.toMatch(/install-scripts|allowScripts|prepare/);
    };
    install();
    install('--global', '--prefix', join(dir, 'global'));
    expect(execFileSync(join(dir, 'global/bin/cbsync'), ['--version'], { encoding: 'utf8' })).toBe(`${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
    const cbsync = (...args: string[]) => execFileSync(join(app, 'node_modules/.bin/cbsync'), args, { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(cbsync('--version')).toBe(`${JSON.parse(readFileSync('package.json', 'utf8')).version}\n`);
    writeFileSync(join(app, 'desired.yaml'), '# yaml-language-server: $schema=node_modules/cbsync/schema/desired-state.schema.json\nversion: 1\norganisations:\n  - name: Acme\n');
    expect(cbsync('validate', 'desired.yaml')).toBe('desired.yaml: valid (1 organisation, 0 integrations)\n');
    // what the modeline and the README point at is there
    expect(existsSync(join(app, 'node_modules/cbsync/schema/desired-state.schema.json'))).toBe(true);
    expect(readdirSync(join(app, 'node_modules/cbsync/examples'))).toContain('emulator-seed.yaml');
    // the schemas and package.json are exported: resolvable by name, not by a path into node_modules
    const resolved = execFileSync(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('cbsync/schema/plan.schema.json')); console.log((await import('cbsync/package.json', { with: { type: 'json' } })).default.name)"], { cwd: app, encoding: 'utf8' });
    expect(resolved).toBe(`${pathToFileURL(join(app, 'node_modules/cbsync/schema/plan.schema.json')).href}\ncbsync\n`);
  }, 300_000);
});
