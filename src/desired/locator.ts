import { isMap, isScalar, type Document, type Node } from 'yaml';

/** Resolves positions for YAML paths inside one parsed document. */
export interface Locator {
  file: string;
  at(node: Node | null | undefined): { line: number; col: number };
  node(segments: (string | number)[]): Node | undefined;
  keyNode(segments: (string | number)[], key: string): Node | undefined;
}

export function makeLocator(doc: Document, file: string, pos: (offset: number) => { line: number; col: number }): Locator {
  return {
    file,
    at: (node) => (node?.range ? pos(node.range[0]) : { line: 1, col: 1 }),
    node: (segments) => (segments.length === 0 ? (doc.contents as Node) : (doc.getIn(segments, true) as Node | undefined)),
    keyNode: (segments, key) => {
      const parent = segments.length === 0 ? doc.contents : doc.getIn(segments, true);
      if (!isMap(parent)) return undefined;
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === key);
      return pair?.key as Node | undefined;
    },
  };
}
