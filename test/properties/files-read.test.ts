import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import fc from 'fast-check';
import { check } from './run.js';
import { describe, expect, it } from 'vitest';
import { loadDesired } from '../../src/desired/load.js';
import { readSources, sourcePath } from '../../src/desired/sources.js';

// G3, as a property: in any directory tree (nested directories, links to directories and
// files, loops, dangling links, hidden entries, FIFOs, names that are not UTF-8 or hold
// control characters), every visible *.yaml/*.yml file is read exactly once or named in a
// diagnostic, nothing is read twice or from a hidden path, every loop, dangling link and
// FIFO is named, and the run stops when anything is named.

/** Name stems as bytes: plain, spaced, accented, not UTF-8, a control character, a backslash. */
const STEMS = ['a', 'team-b', 'sp ace', 'Ünï', 'caf\xe9', '\xff\xfe', 'x\xc3', 'nl\nx', 'back\\slash', 'UPPER'].map((s) => Buffer.from(s, 'latin1'));
const stem = fc.constantFrom(...STEMS.map((_, i) => i));
const yamlExt = fc.constantFrom('.yaml', '.yml', '.YML', '.txt', '');
const target = fc.oneof(
  fc.record({ kind: fc.constant('dir' as const), index: fc.nat() }),
  fc.record({ kind: fc.constant('file' as const), index: fc.nat() }),
  fc.constantFrom({ kind: 'outside' as const }, { kind: 'dangling' as const }, { kind: 'self' as const }),
);
const entry = { stem, hidden: fc.boolean() };
const arbTree = fc.record({
  dirs: fc.array(fc.record({ parent: fc.nat(), ...entry }), { maxLength: 6 }),
  files: fc.array(fc.record({ dir: fc.nat(), ext: yamlExt, ...entry }), { maxLength: 10 }),
  links: fc.array(fc.record({ dir: fc.nat(), ext: fc.constantFrom('', '.yaml'), to: target, ...entry }), { maxLength: 5 }),
  fifos: fc.array(fc.record({ dir: fc.nat(), ...entry }), { maxLength: 1 }),
  outside: fc.array(fc.record({ ext: yamlExt, ...entry }), { maxLength: 3 }),
});
type Tree = typeof arbTree extends fc.Arbitrary<infer T> ? T : never;

const isYaml = (ext: string) => /^\.ya?ml$/i.test(ext);
/** a unique name: the stem, a tag, the extension; `.` in front when hidden */
const nameOf = (e: { stem: number; hidden: boolean }, tag: string, ext = '') => Buffer.concat([Buffer.from(e.hidden ? '.' : ''), STEMS[e.stem]!, Buffer.from(`-${tag}${ext}`)]);
const under = (dir: Buffer, name: Buffer) => Buffer.concat([dir, Buffer.from('/'), name]);
const real = (p: Buffer | string) => {
  try {
    return realpathSync(p, { encoding: 'buffer' }).toString('latin1');
  } catch {
    return null;
  }
};

interface Built {
  root: string;
  /** file id -> path, for every file that must be read or named */
  expected: Map<string, Buffer>;
  /** links and FIFOs that must be named: [the directory they are in, their name] */
  named: [Buffer, Buffer][];
  cleanup: () => void;
}

function build(t: Tree): Built {
  const root = mkdtempSync(`${tmpdir()}/cbsync-g3-`);
  const outside = mkdtempSync(`${tmpdir()}/cbsync-g3-outside-`);
  const dirs: { path: Buffer; visible: boolean; chain: number[] }[] = [{ path: Buffer.from(root), visible: true, chain: [0] }];
  t.dirs.forEach((d, i) => {
    const parent = dirs[d.parent % dirs.length]!;
    const path = under(parent.path, nameOf(d, `d${i}`));
    mkdirSync(path);
    dirs.push({ path, visible: parent.visible && !d.hidden, chain: [...parent.chain, dirs.length] });
  });
  const expected = new Map<string, Buffer>();
  const files: Buffer[] = [];
  t.files.forEach((f, i) => {
    const dir = dirs[f.dir % dirs.length]!;
    const path = under(dir.path, nameOf(f, `f${i}`, f.ext));
    writeFileSync(path, `organisations: [{name: F${i}}]\n`);
    files.push(path);
    if (dir.visible && !f.hidden && isYaml(f.ext)) expected.set(`F${i}`, path);
  });
  const outsideFiles: [string, Buffer][] = t.outside.map((f, i) => {
    const path = under(Buffer.from(outside), nameOf(f, `o${i}`, f.ext));
    writeFileSync(path, `organisations: [{name: O${i}}]\n`);
    return [`O${i}`, path];
  });
  const named: [Buffer, Buffer][] = [];
  t.links.forEach((l, i) => {
    const dirIndex = l.dir % dirs.length;
    const dir = dirs[dirIndex]!;
    const name = nameOf(l, `l${i}`, l.ext);
    const visible = dir.visible && !l.hidden;
    let to: Buffer;
    if (l.to.kind === 'dir') {
      const j = l.to.index % dirs.length;
      to = dirs[j]!.path;
      if (visible && dir.chain.includes(j)) named.push([dir.path, name]); // a loop
    } else if (l.to.kind === 'file') to = files.length ? files[l.to.index % files.length]! : Buffer.from('/nonexistent');
    else if (l.to.kind === 'outside') {
      to = Buffer.from(outside);
      if (visible) for (const [id, p] of outsideFiles) if (!t.outside[Number(id.slice(1))]!.hidden && isYaml(t.outside[Number(id.slice(1))]!.ext)) expected.set(id, p);
    } else if (l.to.kind === 'self') to = name;
    else to = Buffer.from('/nonexistent/gone');
    symlinkSync(to, under(dir.path, name));
    if (visible && (l.to.kind === 'dangling' || l.to.kind === 'self' || (l.to.kind === 'file' && !files.length))) named.push([dir.path, name]);
  });
  t.fifos.forEach((f, i) => {
    const dir = dirs[f.dir % dirs.length]!;
    const name = nameOf(f, `p${i}`, '.yaml');
    if (dir.visible && !f.hidden) named.push([dir.path, name]);
    // mkfifo takes its path as text: made under a plain name, then renamed to its bytes
    execFileSync('mkfifo', [`${outside}/fifo`]);
    renameSync(`${outside}/fifo`, under(dir.path, name));
  });
  return {
    root,
    expected,
    named,
    cleanup: () => {
      rmSync(root, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    },
  };
}

describe('G3: every file under a directory is read or named (property)', () => {
  it('in any tree: read exactly once or named; nothing hidden or doubled; loops, dangling links and FIFOs named; a name stops the run', () => {
    return check(
      fc.property(arbTree, (t) => {
        const b = build(t);
        try {
          const { sources, diagnostics } = readSources([b.root]);
          const count = new Map<string, number>();
          for (const s of sources) {
            const id = /name: ([FO]\d+)/.exec(s.text)![1]!;
            count.set(id, (count.get(id) ?? 0) + 1);
            // read from a visible path with a YAML name, and from the bytes the shown name stands for
            const rel = s.file.slice(b.root.length + 1).split('/');
            expect(rel.every((c) => !c.startsWith('.'))).toBe(true);
            expect(rel.at(-1)).toMatch(/\.ya?ml$/i);
            expect(readFileSync(sourcePath(s.file), 'utf8')).toBe(s.text);
          }
          for (const [id, n] of count) expect(n, `${id} read ${n} times`).toBe(1);
          const diagnosed = diagnostics.map((d) => Buffer.from(sourcePath(d.file)));
          const covers = (path: Buffer) => {
            const r = real(path)!;
            return diagnosed.some((p) => {
              const dr = real(p);
              return dr !== null && (dr === r || r.startsWith(`${dr}/`));
            });
          };
          for (const [id, path] of b.expected) expect(count.get(id) === 1 || covers(path), `${id} neither read nor named`).toBe(true);
          for (const [dir, name] of b.named) {
            const named = diagnosed.some((p) => {
              const slash = p.lastIndexOf('/');
              return p.subarray(slash + 1).equals(name) && real(p.subarray(0, slash)) === real(dir);
            });
            expect(named, `${under(dir, name).toString('latin1')} not named`).toBe(true);
          }
          if (diagnostics.length) expect(loadDesired(sources, diagnostics).state).toBeNull();
        } finally {
          b.cleanup();
        }
      }),
      { seed: 20_17, numRuns: 120 },
    );
  });
});
