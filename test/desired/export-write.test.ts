import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { exportDocument } from '../../src/desired/export.js';
import { outDirRefusal, outFileRefusal, writeDirectoryAside, writeFileAside } from '../../src/desired/export-write.js';
import type { LiveState } from '../../src/model.js';
import { tree } from '../helpers.js';

// G7 at the file level: what export refuses to write over, and how it writes all or nothing.

const live: LiveState = { keyLevel: 'partner', organisations: [{ id: 'org_1', name: 'Acme' }], integrations: [], mode: 'LIVE', fingerprint: 'x' };
const files = [
  { path: 'settings.yaml', text: 'version: 1\n' },
  { path: 'acme.yaml', text: 'organisations: [{name: Acme}]\n' },
  { path: 'globex.yaml', text: 'organisations: [{name: Globex}]\n' },
];
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.includes('.cbsync-export-'));

describe('what -o FILE may replace', () => {
  const root = tree({ 'hand.yaml': 'version: 1\norganisations: []\n', 'empty.yaml': '' });
  const text = exportDocument(live).text;

  it('nothing there, an empty file, a device: yes', () => {
    expect(outFileRefusal(`${root}/new.yaml`, false)).toBeNull();
    expect(outFileRefusal(`${root}/empty.yaml`, false)).toBeNull();
    expect(outFileRefusal('/dev/null', false)).toBeNull();
  });

  it('a file export wrote and nobody edited: yes; edited, or not export\'s: no, unless forced', () => {
    writeFileSync(`${root}/live.yaml`, text);
    expect(outFileRefusal(`${root}/live.yaml`, false)).toBeNull();
    writeFileSync(`${root}/live.yaml`, text.replace('name: Acme', 'name: Acme # ours'));
    expect(outFileRefusal(`${root}/live.yaml`, false)).toBe(`${root}/live.yaml was edited since \`cbsync export\` wrote it: not replaced (--force replaces it, or choose another file)`);
    expect(outFileRefusal(`${root}/hand.yaml`, false)).toBe(`${root}/hand.yaml was not written by \`cbsync export\`: not replaced (--force replaces it, or choose another file)`);
    expect(outFileRefusal(`${root}/hand.yaml`, true)).toBeNull();
    expect(outFileRefusal(root, true)).toMatch(/is a directory: use --out-dir/);
  });
});

describe('what --out-dir may write into', () => {
  it('new, empty, or holding no YAML that plan would read', () => {
    const root = tree({ 'notes/README.md': 'x', 'hidden/.old.yaml': 'x', 'deep/a/b/c.yml': 'x', 'file.txt': 'x' });
    expect(outDirRefusal(`${root}/new`)).toBeNull();
    expect(outDirRefusal(`${root}/notes`)).toBeNull();
    expect(outDirRefusal(`${root}/hidden`)).toBeNull();
    expect(outDirRefusal(`${root}/deep`)).toBe(`${root}/deep already holds YAML files (${root}/deep/a/b/c.yml), which would join the exported state: export into a new or empty directory`);
    expect(outDirRefusal(`${root}/file.txt`)).toBe(`${root}/file.txt is not a directory: --out-dir needs a new or empty directory`);
    symlinkSync('/nowhere', `${root}/notes/broken`);
    expect(outDirRefusal(`${root}/notes`)).toBe(`${root}/notes cannot be checked for YAML files (${root}/notes/broken: dangling symbolic link (to /nowhere): remove it or restore what it points to): export into a new or empty directory`);
  });
});

describe('writing aside', () => {
  it('-o FILE: a rename over the file; a link is kept and its target replaced; its mode is kept', () => {
    const root = tree({ 'real/live.yaml': 'old\n' });
    chmodSync(`${root}/real/live.yaml`, 0o640);
    symlinkSync('real/live.yaml', `${root}/live.yaml`);
    writeFileAside(`${root}/live.yaml`, 'new\n');
    expect(lstatSync(`${root}/live.yaml`).isSymbolicLink()).toBe(true);
    expect(readFileSync(`${root}/real/live.yaml`, 'utf8')).toBe('new\n');
    expect(statSync(`${root}/real/live.yaml`).mode & 0o777).toBe(0o640);
    expect([...leftovers(root), ...leftovers(`${root}/real`)]).toEqual([]);
    writeFileAside('/dev/null', 'into a device\n');
  });

  it('-o FILE that cannot be written: one message, nothing left', () => {
    const root = tree({});
    expect(() => writeFileAside(`${root}/missing/live.yaml`, 'x')).toThrow(`cannot write ${root}/missing/live.yaml: ENOENT: no such file or directory`);
    expect(readdirSync(root)).toEqual([]);
  });

  it('--out-dir, new (parents made) or empty: one rename', () => {
    const root = tree({});
    writeDirectoryAside(`${root}/a/b/accounts`, files, 'settings.yaml');
    expect(readdirSync(`${root}/a/b/accounts`).sort()).toEqual(['acme.yaml', 'globex.yaml', 'settings.yaml']);
    mkdirSync(`${root}/empty`);
    writeDirectoryAside(`${root}/empty`, files, 'settings.yaml');
    expect(readdirSync(`${root}/empty`)).toHaveLength(3);
    expect([...leftovers(root), ...leftovers(`${root}/a/b`)]).toEqual([]);
  });

  it('--out-dir holding other files: moved in one by one, settings last; a failure takes back what was moved', () => {
    const root = tree({ 'accounts/README.md': 'notes' });
    writeDirectoryAside(`${root}/accounts`, files, 'settings.yaml');
    expect(readdirSync(`${root}/accounts`).sort()).toEqual(['README.md', 'acme.yaml', 'globex.yaml', 'settings.yaml']);
    // the settings file cannot be moved in (a directory stands in its place): the others, moved before it, are taken back
    const stuck = tree({ 'accounts/README.md': 'notes', 'accounts/settings.yaml/keep.txt': 'x' });
    expect(() => writeDirectoryAside(`${stuck}/accounts`, files, 'settings.yaml')).toThrow(new RegExp(`^cannot write ${stuck}/accounts: .*; nothing was written \\(an export is all or nothing\\)$`));
    expect(readdirSync(`${stuck}/accounts`).sort()).toEqual(['README.md', 'settings.yaml']);
    expect(leftovers(stuck)).toEqual([]);
  });

  it('--out-dir: a failure while writing aside leaves the target as it was', () => {
    const root = tree({});
    expect(() => writeDirectoryAside(`${root}/accounts`, [...files, { path: 'sub/x.yaml', text: '' }], 'settings.yaml')).toThrow(/^cannot write .*accounts: ENOENT/);
    expect(existsSync(`${root}/accounts`)).toBe(false);
    expect(readdirSync(root)).toEqual([]);
  });
});
