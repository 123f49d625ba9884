import { readFileSync, writeFileSync } from 'node:fs';
import { isMap, isScalar, parseDocument, type Node, type Pair } from 'yaml';

// --write-ids: put the ids of created (or replacing) objects into the file. The yaml parser
// gives each node's position; the edit is made in the text at those positions, so comments,
// order, quoting and every other byte of the file stay exactly as they were.

export interface IdEntry {
  /** YAML path of the entry, e.g. organisations[2].integrations[0] */
  path: string;
  id: string;
}

function segmentsOf(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : m[1]!));
}

const plainId = (id: string) => (/^[A-Za-z0-9_][A-Za-z0-9_.\-]*$/.test(id) ? id : JSON.stringify(id));

export function insertIds(text: string, entries: IdEntry[]): string {
  const doc = parseDocument(text);
  const edits: { at: number; remove: number; insert: string }[] = [];
  for (const e of entries) {
    const node = doc.getIn(segmentsOf(e.path), true) as Node | undefined;
    if (!isMap(node)) continue;
    const pairOf = (k: string) => node.items.find((p) => isScalar(p.key) && p.key.value === k) as Pair<Node, Node> | undefined;
    const value = plainId(e.id);
    const idPair = pairOf('id');
    if (idPair && isScalar(idPair.value) && idPair.value.range) {
      const [start, end] = idPair.value.range;
      edits.push({ at: start, remove: end - start, insert: value });
      continue;
    }
    const name = pairOf('name');
    if (!name?.key?.range || !name.value?.range) continue;
    if (node.flow) {
      edits.push({ at: name.value.range[1], remove: 0, insert: `, id: ${value}` });
      continue;
    }
    const keyStart = name.key.range[0];
    const indent = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
    const eol = text.indexOf('\n', name.value.range[1]);
    const at = eol === -1 ? text.length : eol;
    edits.push({ at, remove: 0, insert: `\n${' '.repeat(indent)}id: ${value}` });
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.at - a.at)) out = out.slice(0, e.at) + e.insert + out.slice(e.at + e.remove);
  return out;
}

export function writeIdsToFile(file: string, entries: IdEntry[]): number {
  if (entries.length === 0) return 0;
  const text = readFileSync(file, 'utf8');
  const next = insertIds(text, entries);
  if (next !== text) writeFileSync(file, next);
  return entries.length;
}
