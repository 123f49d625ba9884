import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { YAML_CORE_SCHEMA } from '../../src/desired/core-schema.js';
import { needsExactReader, overLines } from '../../src/desired/fast-guard.js';

// What sends a file from the fast reader (js-yaml) to the exact one: what the two may read
// differently. A file sent there needlessly is only read more slowly; one kept from it may get
// another verdict (load.test.ts and the property in test/properties/yaml-readers.test.ts).

const fastReads = (text: string) => {
  if (needsExactReader(text)) return false;
  try {
    jsyaml.load(text, { schema: YAML_CORE_SCHEMA, listener: overLines() });
    return true;
  } catch {
    return false;
  }
};

describe('the fast reader keeps what both read alike', () => {
  it.each([
    ['plain entries', 'a:\n  - name: A\n    merchant_ids: [m1, m2]\n'],
    ['flow mappings on one line each', 'a:\n  - {name: A, merchant_ids: [m1, "m 2"]}\n  - {name: B}\n'],
    ['a flow list on the line after its key', 'a:\n  [m1, m2]\n'],
    ['quoted scalars with quotes, brackets and escapes inside', 'a: "x \\" [y"\nb: \'it\'\'s {z\'\n'],
    ['a flow list after an anchor and a comment', 'a: &l # c\n  [m1]\nb: *l\n'],
    ['CRLF line breaks', 'a: [m1]\r\nb: "x"\r\n'],
    ['a percent sign inside a line', 'a: 100%\n'],
    ['99 aliases', `a: &x v\nb: [${Array(99).fill('*x').join(', ')}]\n`],
    ['a block scalar', 'a: |\n  "not closed\n  [nor this\n'],
    ['a quote or a bracket inside a plain scalar', "a: Joe's [EU\n"],
  ])('%s', (_what, text) => expect(fastReads(text)).toBe(true));
});

describe('the fast reader leaves to the exact one what they may read differently', () => {
  it.each([
    ['a directive', '%YAML 1.1\n---\na: yes\n'],
    ['a directive after a byte order mark', '\uFEFF%YAML 1.2\n---\na: b\n'],
    ['a carriage return alone', 'a: b\rc: d\n'],
    ['100 aliases', `a: &x v\nb: [${Array(100).fill('*x').join(', ')}]\n`],
    ['a double-quoted scalar over two lines', 'a: "x\n  y"\n'],
    ['a single-quoted scalar over two lines', "a: 'x\n  y'\n"],
    ['an escaped line break', 'a: "x\\\n  y"\n'],
    ['a quoted scalar over lines after a tag', 'a: !!str "x\n  y"\n'],
    ['a flow list over two lines', 'a: [m1,\n  m2]\n'],
    ['a flow mapping closed on the next line', 'a:\n  - {name: A\n  }\n'],
    ['a flow list over lines inside a flow mapping', 'a: {b: [m1,\n  m2]}\n'],
    ['a flow list with a comment inside', 'a: [m1, # c\n  m2]\n'],
  ])('%s', (_what, text) => expect(fastReads(text)).toBe(false));
});
