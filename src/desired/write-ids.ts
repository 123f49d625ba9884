import { readFileSync, writeFileSync } from 'node:fs';
import { isAlias, isCollection, isMap, isScalar, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import { sourcePath } from './sources.js';

// --write-ids: put the ids of created (or replacing) objects into the file. The yaml parser
// gives each node's position; the edit is made in the text at those positions, so comments,
// order, quoting, line endings and every other byte of the file stay exactly as they were.
// An entry is written only where the file still names what the plan was made from: a file
// edited during the apply gets nothing, and says why. A name may be an alias (`name: *m`): it
// is compared as what it stands for. An entry written as an alias (`- *i`), inside one, or
// anchored and aliased elsewhere cannot hold an id of its own (it would be another entry's
// too): the file gets nothing, and says which entry and why.

export interface IdEntry {
  /** YAML path of the entry, e.g. organisations[2].integrations[0] */
  path: string;
  id: string;
  /** the name the plan read at that path */
  name: string;
}

export interface IdEdit {
  text: string;
  /** why nothing was written (empty when the edit was made) */
  problems: string[];
}

function segmentsOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

/**
 * Why an id cannot be written at this path, when an alias is in the way: the entry (or one it
 * is inside) is written as an alias, or is anchored and written again elsewhere as an alias.
 * Either way the id would belong to two entries at once.
 */
function aliasProblem(doc: Document, segments: (string | number)[], path: string): string | null {
  let at = doc.contents as Node | null | undefined;
  for (let i = 0; i <= segments.length; i++) {
    const where = i === segments.length ? path : `${path}, inside ${pathOf(segments.slice(0, i))},`;
    if (isAlias(at)) return `${where} is written as an alias (*${at.source}): an entry written as an alias cannot be given an id (it would be the aliased entry's too); write it out in full`;
    if (!isCollection(at)) return null;
    if (at.anchor && usedAsAlias(doc, at)) return `${where} is anchored (&${at.anchor}) and written again as *${at.anchor}: the id would be given to both; write the copies out in full`;
    if (i < segments.length) at = at.get(segments[i], true) as Node | undefined;
  }
  return null;
}

function usedAsAlias(doc: Document, node: Node): boolean {
  let used = false;
  visit(doc, {
    Alias(_k, a) {
      if (a.source === (node as { anchor?: string }).anchor && a.resolve(doc) === node) {
        used = true;
        return visit.BREAK;
      }
    },
  });
  return used;
}

const pathOf = (segments: (string | number)[]) => segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : `${i ? '.' : ''}${s}`)).join('');

const plainId = (id: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/.test(id) ? id : JSON.stringify(id));

export function insertIds(text: string, entries: IdEntry[]): IdEdit {
  const doc = parseDocument(text);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const edits: { at: number; remove: number; insert: string }[] = [];
  const problems: string[] = [];
  for (const e of entries) {
    const segments = segmentsOf(e.path);
    const aliased = aliasProblem(doc, segments, e.path);
    if (aliased) {
      problems.push(aliased);
      continue;
    }
    const node = doc.getIn(segments, true) as Node | undefined;
    const pairOf = (k: string) => (isMap(node) ? (node.items.find((p) => isScalar(p.key) && p.key.value === k) as Pair<Node, Node> | undefined) : undefined);
    const name = pairOf('name');
    // a name written as an alias (`name: *m`) is what its anchor holds
    const named = isAlias(name?.value) ? name.value.resolve(doc) : name?.value;
    const now = isScalar(named) ? named.value : undefined;
    if (now !== e.name) {
      problems.push(`${e.path} is ${now === undefined ? 'no longer an entry with a name' : `now named ${JSON.stringify(now)}`}, not ${JSON.stringify(e.name)}: the file changed during the apply`);
      continue;
    }
    const value = plainId(e.id);
    const idPair = pairOf('id');
    if (idPair && (isScalar(idPair.value) || isAlias(idPair.value)) && idPair.value.range) {
      const [start, end] = idPair.value.range;
      edits.push({ at: start, remove: end - start, insert: value });
      continue;
    }
    if (!name?.key?.range || !name.value?.range) continue;
    if (isMap(node) && node.flow) {
      edits.push({ at: name.value.range[1], remove: 0, insert: `, id: ${value}` });
      continue;
    }
    // a line of its own after the name's last line (a block scalar's range ends past its newline)
    const keyStart = name.key.range[0];
    const indent = ' '.repeat(keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1));
    const end = name.value.range[1];
    const lineEnd = text[end - 1] === '\n' ? end - 1 : text.indexOf('\n', end);
    if (lineEnd === -1) edits.push({ at: text.length, remove: 0, insert: `${eol}${indent}id: ${value}` });
    else edits.push({ at: lineEnd + 1, remove: 0, insert: `${indent}id: ${value}${eol}` });
  }
  if (problems.length) return { text, problems };
  let out = text;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
  return { text: out, problems };
}

/** Writes the ids into the file; returns how many were written and why none were. */
export function writeIdsToFile(file: string, entries: IdEntry[]): { written: number; problems: string[] } {
  if (entries.length === 0) return { written: 0, problems: [] };
  const text = readFileSync(sourcePath(file), 'utf8'); // a name shown with escaped bytes maps back to them
  const edit = insertIds(text, entries);
  if (edit.problems.length) return { written: 0, problems: edit.problems };
  if (edit.text !== text) writeFileSync(sourcePath(file), edit.text);
  return { written: entries.length, problems: [] };
}
