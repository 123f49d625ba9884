import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse, type Node } from 'acorn';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { nodeProblem as actionSays } from '../../src/scripts/action.js';
import { nodeProblem, STOPPED_OUTPUTS } from '../../src/scripts/node-check.js';

// action/main.mjs runs on whatever node a job has. On one too old for cbsync it must say so
// (and what to add), not fail to parse (seen: built for node16 with `??=`, a SyntaxError on
// Node 14 and older instead of the message).

const MAIN = 'action/main.mjs';
const text = readFileSync(MAIN, 'utf8');

/** Every node of the tree of this type. */
function nodesOf(tree: unknown, type: string, out: Node[] = []): Node[] {
  if (Array.isArray(tree)) for (const t of tree) nodesOf(t, type, out);
  else if (tree && typeof tree === 'object') {
    if ((tree as Node).type === type) out.push(tree as Node);
    for (const v of Object.values(tree)) if (v && typeof v === 'object') nodesOf(v, type, out);
  }
  return out;
}

describe('action/main.mjs on an old node', () => {
  it('parses as ES2017 and imports nothing statically: its import() calls aside (Node 12.17 and later have them)', () => {
    const tree = parse(text, { ecmaVersion: 2020, sourceType: 'module' });
    expect(nodesOf(tree, 'ImportDeclaration')).toEqual([]);
    const dynamic = nodesOf(tree, 'ImportExpression').map((n) => n.start);
    expect(dynamic.length).toBeGreaterThan(0);
    // the same text with each import() written as a plain call (same length) is ES2017
    let asCalls = text;
    for (const at of dynamic) asCalls = `${asCalls.slice(0, at)}IMPORT${asCalls.slice(at + 'import'.length)}`;
    expect(() => parse(asCalls, { ecmaVersion: 2017, sourceType: 'module' })).not.toThrow();
    expect(() => parse(text, { ecmaVersion: 2017, sourceType: 'module' })).toThrow(); // the check above can fail
  });

  it('on Node 14: the setup-node annotation on stderr, exit 1, the outputs of a run that stopped, and nothing else loaded', () => {
    const outputs = join(mkdtempSync(join(tmpdir(), 'cbsync-main-')), 'outputs');
    const fake = `Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '14.21.3' } }); await import(${JSON.stringify(pathToFileURL(resolve(MAIN)).href)});`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', fake], { encoding: 'utf8', env: { PATH: process.env.PATH, INPUT_COMMAND: 'validate', GITHUB_OUTPUT: outputs } });
    expect(r.stderr).toBe(
      "::error title=cbsync::cbsync needs Node.js 20 or later, and the node on this job's PATH is 14.21.3. Add a step before this one: uses: actions/setup-node@v4 with node-version: 20 (or later)\n",
    );
    expect(r.stdout).toBe('');
    expect(r.status).toBe(1);
    expect(readFileSync(outputs, 'utf8')).toBe('exitcode=1\nhas-changes=false\nplan-json=\nplan-markdown=\nreport-json=\n');
    // every output action.yml declares
    expect(Object.keys(STOPPED_OUTPUTS)).toEqual(Object.keys(parseYaml(readFileSync('action.yml', 'utf8')).outputs));
  });

  it('says what the action itself says, for every version', () => {
    for (const v of ['0.10.48', '8.17.0', 'v12.22.12', '14.21.3', '16.20.2', '18.20.4', '19.9.0', '20.0.0', '20.20.2', '22.1.0', '24.1.0', 'garbage', '']) {
      expect(nodeProblem(v)).toBe(actionSays(v));
    }
  });
});
