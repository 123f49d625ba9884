import { isAlias, isCollection, isMap, isScalar, type Document, type Node } from 'yaml';

/** Resolves positions for YAML paths inside one parsed document. */
export interface Locator {
  file: string;
  at(node: Node | null | undefined): { line: number; col: number };
  node(segments: (string | number)[]): Node | undefined;
  keyNode(segments: (string | number)[], key: string): Node | undefined;
}

export function makeLocator(doc: Document, file: string, pos: (offset: number) => { line: number; col: number }): Locator {
  // A path that runs into an alias (`- *o`, then its `name`) stands at the alias: what it
  // points at is written elsewhere, and the alias is where this entry is in the file.
  const node = (segments: (string | number)[]): Node | undefined => {
    let at = (doc.contents ?? undefined) as Node | undefined;
    for (const s of segments) {
      if (isAlias(at)) return at;
      if (!isCollection(at)) return undefined;
      at = at.get(s, true) as Node | undefined;
    }
    return at;
  };
  return {
    file,
    at: (n) => (n?.range ? pos(n.range[0]) : { line: 1, col: 1 }),
    node,
    keyNode: (segments, key) => {
      const parent = node(segments);
      if (isAlias(parent)) return parent;
      if (!isMap(parent)) return undefined;
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
      return pair?.key as Node | undefined;
    },
  };
}
