import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesired, loadDesiredPaths } from '../../src/desired/load.js';
import { MAX_FILE_BYTES } from '../../src/desired/sources.js';
import { tree } from '../helpers.js';

// Desired state in many files: settings in one, organisations in any, every message naming
// its own file.

const lines = (r: { diagnostics: Parameters<typeof formatDiagnostic>[0][] }, root: string) => r.diagnostics.map((d) => formatDiagnostic(d).replace(`${root}/`, ''));

describe('many sources compose one state', () => {
  it('a directory: sorted, recursive, hidden entries skipped; organisations from every file, settings from one', () => {
    const root = tree({
      'settings.yaml': 'version: 1\nmode: TEST\nprune: {integrations: false}\n',
      'b/beta.yml': 'organisations:\n  - name: Beta\n',
      'a/alpha.yaml': 'organisations:\n  - name: Alpha\n    integrations: [{name: S, merchant_ids: [m]}]\n',
      '.hidden/x.yaml': 'organisations: [{name: Hidden}]\n',
      'notes.txt': 'not yaml',
    });
    const r = loadDesiredPaths([root]);
    expect(r.diagnostics).toEqual([]);
    expect(r.state!.files).toEqual([`${root}/a/alpha.yaml`, `${root}/b/beta.yml`, `${root}/settings.yaml`]);
    expect(r.state!.organisations.map((o) => [o.name, o.file.replace(`${root}/`, ''), o.path])).toEqual([
      ['Alpha', 'a/alpha.yaml', 'organisations[0]'],
      ['Beta', 'b/beta.yml', 'organisations[0]'],
    ]);
    expect(r.state!.organisations[0]!.integrations[0]!.file).toBe(`${root}/a/alpha.yaml`);
    expect(r.state!.mode).toBe('TEST');
    expect(r.state!.prune).toEqual({ organisations: true, integrations: false });
  });

  it('settings in two files: an error at both places', () => {
    const root = tree({ 'a.yaml': 'version: 1\norganisations: []\n', 'b.yaml': 'organisations: [{name: B}]\nmode: TEST\n' });
    const r = loadDesiredPaths([`${root}/a.yaml`, `${root}/b.yaml`]);
    expect(r.state).toBeNull();
    expect(lines(r, root)).toEqual([
      `a.yaml:1:1: version: settings (version, mode, prune, ignore, allow_replace, safety) belong in one file; ${root}/b.yaml has them too, at ${root}/b.yaml:2:1`,
      `b.yaml:2:1: mode: settings (version, mode, prune, ignore, allow_replace, safety) belong in one file; ${root}/a.yaml has them too, at ${root}/a.yaml:1:1`,
    ]);
  });

  it('a name or id in two files: reported at both places', () => {
    const root = tree({
      'a.yaml': 'version: 1\norganisations:\n  - name: Acme\n    id: org_1\n',
      'b.yaml': 'organisations:\n  - name: "[TEST] Acme"\n  - name: Other\n    id: org_1\n',
    });
    const r = loadDesiredPaths([`${root}/a.yaml`, `${root}/b.yaml`]);
    expect(lines(r, root)).toEqual([
      `a.yaml:3:11: organisations[0].name: duplicate organisation name "Acme" (names are compared without the [TEST] prefix) (also at ${root}/b.yaml:2:11)`,
      `a.yaml:4:9: organisations[0].id: duplicate id "org_1" (also at ${root}/b.yaml:4:9)`,
      `b.yaml:2:11: organisations[0].name: duplicate organisation name "Acme" (names are compared without the [TEST] prefix) (first seen at ${root}/a.yaml:3:11)`,
      `b.yaml:4:9: organisations[1].id: duplicate id "org_1" (first seen at ${root}/a.yaml:4:9)`,
    ]);
  });

  it('a problem inside one file is reported in that file, with the others still read', () => {
    const root = tree({ 'a.yaml': 'version: 1\norganisations: [{name: A}]\n', 'b.yaml': 'organisations:\n  - name: B\n    statsu: x\n' });
    expect(lines(loadDesiredPaths([root]), root)).toEqual(['b.yaml:3:5: organisations[0].statsu: unknown key "statsu" (allowed: name, id, integrations)']);
  });

  it('listed in one file and ignored in the settings file', () => {
    const root = tree({ 'a.yaml': 'version: 1\nignore: {organisations: [Beta]}\n', 'b.yaml': 'organisations:\n  - name: Beta\n' });
    expect(lines(loadDesiredPaths([root]), root)).toEqual([`a.yaml:2:26: ignore.organisations[0]: "Beta" is both listed (${root}/b.yaml: organisations[0]) and ignored: remove one`]);
  });

  it('look-alike names across files are a warning; the state still loads', () => {
    const root = tree({ 'a.yaml': 'version: 1\norganisations: [{name: Acme}]\n', 'b.yaml': 'organisations: [{name: ACME}]\n' });
    const r = loadDesiredPaths([root]);
    expect(r.state).not.toBeNull();
    expect(lines(r, root)).toEqual([`b.yaml:1:24: warning: organisations[0].name: organisation name "ACME" looks like "Acme" (first seen at ${root}/a.yaml:2:24): people will confuse them`]);
  });

  it('no version anywhere, no organisations anywhere', () => {
    const root = tree({ 'a.yaml': 'organisations: [{name: A}]\n', 's.yaml': 'version: 1\n' });
    expect(lines(loadDesiredPaths([`${root}/a.yaml`]), root)).toEqual(['a.yaml:1:1: missing required key "version"']);
    expect(lines(loadDesiredPaths([`${root}/s.yaml`]), root)).toEqual(['s.yaml:1:1: missing required key "organisations"']);
  });

  it('standard input, once', () => {
    const root = tree({ 's.yaml': 'version: 1\n' });
    const r = loadDesiredPaths([`${root}/s.yaml`, '-'], () => Buffer.from('organisations:\n  - name: From stdin\n'));
    expect(r.state!.organisations.map((o) => [o.name, o.file])).toEqual([['From stdin', '<stdin>']]);
    expect(r.locate('<stdin>', 'organisations[0]')).toEqual({ line: 2, col: 5 });
    expect(lines(loadDesiredPaths(['-', '-'], () => Buffer.from('version: 1\norganisations: []\n')), root)).toEqual(['<stdin>: `-` given twice: standard input can be read once']);
  });

  it('an empty directory, a missing path', () => {
    const root = tree({ 'x.txt': '' });
    expect(lines(loadDesiredPaths([root, `${root}/nope.yaml`]), root)).toEqual([`${root}: directory holds no *.yaml or *.yml file`, 'nope.yaml: file not found']);
  });

  it('the 5 MiB guard is per file, not on the whole state', () => {
    const third = `${'# filler\n'.repeat(Math.floor(MAX_FILE_BYTES / 3 / 9))}`;
    const root = tree({
      'a.yaml': `version: 1\norganisations: [{name: A}]\n${third}`,
      'b.yaml': `organisations: [{name: B}]\n${third}${third}`,
      'big/c.yaml': `organisations: [{name: C}]\n${third}${third}${third}${third}`,
    });
    expect(loadDesiredPaths([`${root}/a.yaml`, `${root}/b.yaml`]).state!.organisations).toHaveLength(2);
    expect(lines(loadDesiredPaths([root]), root)).toEqual(['big/c.yaml: file is larger than 5 MiB (the limit is per file: split the organisations over several files)']);
  });

  it('the fast reading and the exact one give the same state', async () => {
    const { readPositioned } = await import('../../src/desired/positioned.js');
    const { toDesiredState } = await import('../../src/desired/state.js');
    const text = 'version: 1\nmode: TEST\norganisations:\n  - name: "Café: the [TEST] \\"one\\""\n    id: org_1\n    integrations:\n      - {name: "x y", status: DISABLED, merchant_ids: ["m:1", m2]}\n  - name: >-\n      Folded\n      name\n';
    const fast = loadDesired([{ file: 'f.yaml', text }]).state!;
    const exact = readPositioned({ file: 'f.yaml', text });
    expect(exact.diagnostics).toEqual([]);
    expect(fast).toEqual(toDesiredState(exact.data!, [{ file: 'f.yaml', data: exact.data! }]));
  });
});
