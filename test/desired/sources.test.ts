import { execFileSync, spawn } from 'node:child_process';
import { symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesired, loadDesiredPaths } from '../../src/desired/load.js';
import { MAX_FILE_BYTES, sourcePath } from '../../src/desired/sources.js';
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

// G3: every file under a given directory is read, or the run stops naming it. Each case of
// issue 17's "Files that are silently not read", and the ones next to them.
describe('G3: every file under a directory is read or named', () => {
  const org = (name: string) => `organisations: [{name: ${name}}]\n`;
  const settings = 'version: 1\n';
  const names = (r: ReturnType<typeof loadDesiredPaths>) => r.state?.organisations.map((o) => o.name);

  it('a symbolic link to a directory is followed (team-b -> a directory holding globex.yaml)', () => {
    const outside = tree({ 'globex.yaml': org('Globex') });
    const root = tree({ 'settings.yaml': settings, 'acme.yaml': org('Acme') });
    symlinkSync(outside, `${root}/team-b`);
    const r = loadDesiredPaths([root]);
    expect(r.diagnostics).toEqual([]);
    expect(names(r)).toEqual(['Acme', 'Globex']);
    expect(r.state!.files).toContain(`${root}/team-b/globex.yaml`);
  });

  it('a FIFO named *.yaml is refused without being opened: validate does not hang', () => {
    const root = tree({ 'settings.yaml': settings, 'acme.yaml': org('Acme') });
    execFileSync('mkfifo', [`${root}/pipe.yaml`]);
    // a writer that connects after a while: code that opens the FIFO reads it instead of hanging forever
    const writer = spawn('sh', ['-c', `sleep 1; printf '${org('Piped')}' > '${root}/pipe.yaml'`], { stdio: 'ignore' });
    try {
      const r = loadDesiredPaths([root]);
      expect(r.state).toBeNull();
      expect(lines(r, root)).toEqual(['pipe.yaml: is a FIFO (named pipe), not a regular file: not read (desired state is read from regular files, or links to them)']);
    } finally {
      writer.kill();
    }
  });

  it('a socket named *.yaml is refused', async () => {
    const root = tree({ 'settings.yaml': settings, 'acme.yaml': org('Acme') });
    const server = createServer();
    await new Promise<void>((r) => server.listen(`${root}/sock.yaml`, r));
    try {
      expect(lines(loadDesiredPaths([root]), root)).toEqual(['sock.yaml: is a socket, not a regular file: not read (desired state is read from regular files, or links to them)']);
    } finally {
      server.close();
    }
  });

  it('a name that is not UTF-8 is found, read, and shown with its bytes escaped', () => {
    const root = tree({ 'settings.yaml': settings });
    const bytes = Buffer.concat([Buffer.from(`${root}/caf`), Buffer.from([0xe9]), Buffer.from('.yaml')]);
    writeFileSync(bytes, org('Cafe'));
    const r = loadDesiredPaths([root]);
    expect(r.diagnostics).toEqual([]);
    expect(names(r)).toEqual(['Cafe']);
    expect(r.state!.organisations[0]!.file).toBe(`${root}/caf\\xe9.yaml`);
    // the shown name maps back to the bytes, for whoever writes into it (--write-ids)
    expect(sourcePath(`${root}/caf\\xe9.yaml`)).toEqual(bytes);
    // a problem in it is reported under that name, never "file not found"
    writeFileSync(bytes, 'organisations: [{nme: Cafe}]\n');
    expect(lines(loadDesiredPaths([root]), root)).toEqual(['caf\\xe9.yaml:1:17: organisations[0]: missing required key "name"', 'caf\\xe9.yaml:1:18: organisations[0].nme: unknown key "nme" (did you mean "name"?)']);
  });

  it('control characters in a name are escaped: a message stays one line', () => {
    const root = tree({ 'settings.yaml': settings, 'a\nb.yaml': 'organisations: [{nme: X}]\n' });
    const r = loadDesiredPaths([root]);
    expect(r.diagnostics.map((d) => d.file)).toEqual([`${root}/a\\x0ab.yaml`, `${root}/a\\x0ab.yaml`]);
    expect(sourcePath(`${root}/a\\x0ab.yaml`)).toEqual(Buffer.from(`${root}/a\nb.yaml`));
  });

  it('a symbolic link loop is named, and the walk ends', () => {
    const root = tree({ 'settings.yaml': settings, 'team/acme.yaml': org('Acme') });
    symlinkSync('..', `${root}/team/up`);
    symlinkSync('self', `${root}/self`);
    const r = loadDesiredPaths([root]);
    expect(r.state).toBeNull();
    expect(lines(r, root)).toEqual([
      `self: symbolic link loop (the link leads back to itself): remove it`,
      `team/up: symbolic link loop: leads back to ${root}, a directory it is inside: remove the link`,
    ]);
  });

  it('a dangling link is named, whatever its name (it may have led to a directory)', () => {
    const root = tree({ 'settings.yaml': settings, 'acme.yaml': org('Acme') });
    symlinkSync('../gone', `${root}/team-c`);
    symlinkSync('/nowhere/x.yaml', `${root}/x.yaml`);
    expect(lines(loadDesiredPaths([root]), root)).toEqual([
      'team-c: dangling symbolic link (to ../gone): remove it or restore what it points to',
      'x.yaml: dangling symbolic link (to /nowhere/x.yaml): remove it or restore what it points to',
    ]);
    expect(lines(loadDesiredPaths([`${root}/x.yaml`]), root)).toEqual(['x.yaml: dangling symbolic link (to /nowhere/x.yaml): remove it or restore what it points to']);
  });

  it('a file that cannot be read names the reason', () => {
    const root = tree({ 'settings.yaml': settings, 'acme.yaml': org('Acme') });
    symlinkSync('/proc/self/mem', `${root}/mem.yaml`); // a regular file whose first byte cannot be read
    expect(lines(loadDesiredPaths([root]), root)).toEqual(['mem.yaml: cannot read file: input/output error (EIO)']);
  });

  it('a directory or a file reached twice is named once, never read twice', () => {
    const root = tree({ 'settings.yaml': settings, 'a/acme.yaml': org('Acme') });
    symlinkSync('a', `${root}/b`);
    symlinkSync('settings.yaml', `${root}/copy.yaml`);
    expect(lines(loadDesiredPaths([root]), root)).toEqual([
      `b: the same directory as ${root}/a, reached twice (named twice, or through a link): name it once`,
      `settings.yaml: the same file as ${root}/copy.yaml, reached twice (named twice, or through a link): name it once`,
    ]);
    expect(lines(loadDesiredPaths([`${root}/settings.yaml`, `${root}/a/acme.yaml`, `${root}/a`]), root)).toEqual([`a/acme.yaml: the same file as ${root}/a/acme.yaml, reached twice (named twice, or through a link): name it once`]);
  });

  it('a path given by name may be a pipe (process substitution): it is read', () => {
    const root = tree({ 'settings.yaml': settings });
    execFileSync('mkfifo', [`${root}/given`]);
    const writer = spawn('sh', ['-c', `printf '${org('Piped')}' > '${root}/given'`], { stdio: 'ignore' });
    try {
      const r = loadDesiredPaths([`${root}/settings.yaml`, `${root}/given`]);
      expect(r.diagnostics).toEqual([]);
      expect(names(r)).toEqual(['Piped']);
    } finally {
      writer.kill();
    }
  });
});
