import { describe, expect, it } from 'vitest';
import { insertIds } from '../../src/desired/write-ids.js';

describe('insertIds', () => {
  it.each([
    ['inserts after the name, at its indentation', 'organisations:\n  - name: A # c\n    integrations: []\n', [['organisations[0]', 'org_1']], 'organisations:\n  - name: A # c\n    id: org_1\n    integrations: []\n'],
    ['replaces a pinned id in place (after a replace)', 'organisations:\n  - name: A\n    integrations:\n      - name: S\n        id: int_old   # pinned\n        merchant_ids: [m]\n', [['organisations[0].integrations[0]', 'int_new', 'S']], 'organisations:\n  - name: A\n    integrations:\n      - name: S\n        id: int_new   # pinned\n        merchant_ids: [m]\n'],
    ['a name on the last line without a newline', 'organisations:\n  - name: A', [['organisations[0]', 'org_1']], 'organisations:\n  - name: A\n    id: org_1'],
    ['a flow mapping gains the id inline', 'organisations: [{name: A}, {name: B}]\n', [['organisations[1]', 'org_2', 'B']], 'organisations: [{name: A}, {name: B, id: org_2}]\n'],
    ['an id that needs quoting', 'organisations:\n  - name: A\n', [['organisations[0]', 'org 1: x']], 'organisations:\n  - name: A\n    id: "org 1: x"\n'],
    ['several entries, edits from the end keep offsets right', 'organisations:\n  - name: A\n  - name: B\n', [['organisations[0]', 'org_a', 'A'], ['organisations[1]', 'org_b', 'B']], 'organisations:\n  - name: A\n    id: org_a\n  - name: B\n    id: org_b\n'],
    // seen: a block-scalar name broke the file; CRLF files got LF lines
    ['a folded block-scalar name', 'organisations:\n  - name: >-\n      Acme\n      Ltd\n    integrations: []\n', [['organisations[0]', 'org_1', 'Acme Ltd']], 'organisations:\n  - name: >-\n      Acme\n      Ltd\n    id: org_1\n    integrations: []\n'],
    ['a literal block-scalar name at the end of the file', 'organisations:\n  - name: |-\n      Acme', [['organisations[0]', 'org_1', 'Acme']], 'organisations:\n  - name: |-\n      Acme\n    id: org_1'],
    ['quoted names', "organisations:\n  - name: 'A: b' # c\n  - name: \"C \\\"d\\\"\"\n", [['organisations[0]', 'org_1', 'A: b'], ['organisations[1]', 'org_2', 'C "d"']], "organisations:\n  - name: 'A: b' # c\n    id: org_1\n  - name: \"C \\\"d\\\"\"\n    id: org_2\n"],
    ['CRLF line endings are kept', 'organisations:\r\n  - name: A # c\r\n    integrations: []\r\n', [['organisations[0]', 'org_1']], 'organisations:\r\n  - name: A # c\r\n    id: org_1\r\n    integrations: []\r\n'],
    ['CRLF, a block scalar', 'organisations:\r\n  - name: >-\r\n      A\r\n    integrations: []\r\n', [['organisations[0]', 'org_1']], 'organisations:\r\n  - name: >-\r\n      A\r\n    id: org_1\r\n    integrations: []\r\n'],
    // seen: a name written as an alias got "the file changed during the apply" and no id
    ['a name written as an alias', 'organisations:\n  - name: &m M\n  - name: A\n    integrations:\n      - name: *m # c\n        merchant_ids: [m]\n', [['organisations[1].integrations[0]', 'int_1', 'M']], 'organisations:\n  - name: &m M\n  - name: A\n    integrations:\n      - name: *m # c\n        id: int_1\n        merchant_ids: [m]\n'],
    ['a name written as an alias, in a flow mapping', 'organisations:\n  - name: &m M\n    integrations: [{name: *m, merchant_ids: [m]}]\n', [['organisations[0]', 'org_1', 'M'], ['organisations[0].integrations[0]', 'int_1', 'M']], 'organisations:\n  - name: &m M\n    id: org_1\n    integrations: [{name: *m, id: int_1, merchant_ids: [m]}]\n'],
    ['a name written as an alias, at the end of the file', 'x: &m M\norganisations:\n  - name: *m', [['organisations[0]', 'org_1', 'M']], 'x: &m M\norganisations:\n  - name: *m\n    id: org_1'],
    ['a pinned id written as an alias is replaced in place', 'organisations:\n  - name: A\n    id: &old org_old\n  - name: B\n    id: *old\n', [['organisations[1]', 'org_new', 'B']], 'organisations:\n  - name: A\n    id: &old org_old\n  - name: B\n    id: org_new\n'],
  ] as [string, string, [string, string, string?][], string][])('%s', (_n, text, entries, expected) => {
    const edit = insertIds(text, entries.map(([path, id, name]) => ({ path, id, name: name ?? 'A' })));
    expect(edit.problems).toEqual([]);
    expect(edit.text).toBe(expected);
  });

  it('an entry whose name changed during the apply: nothing is written, and it says why (seen: an id written into the wrong entry)', () => {
    const text = 'organisations:\n  - name: Inserted meanwhile\n  - name: A\n';
    const edit = insertIds(text, [{ path: 'organisations[0]', id: 'org_a', name: 'A' }]);
    expect(edit.text).toBe(text);
    expect(edit.problems).toEqual(['organisations[0] is now named "Inserted meanwhile", not "A": the file changed during the apply']);
  });

  it('an entry that is gone', () => {
    const edit = insertIds('organisations:\n  - name: A\n', [{ path: 'organisations[5]', id: 'org_x', name: 'X' }]);
    expect(edit.problems).toEqual(['organisations[5] is no longer an entry with a name, not "X": the file changed during the apply']);
  });

  describe('an entry written as an alias cannot be given an id: nothing is written, and it says so', () => {
    const twoOrgs = (second: string) => `organisations:\n  - name: A\n    integrations:\n      - &i {name: S, merchant_ids: [m]}\n  - name: B\n    integrations:\n${second}`;
    it.each([
      ['the entry is the alias', twoOrgs('      - *i\n'), 'organisations[1].integrations[0]', 'organisations[1].integrations[0] is written as an alias (*i): an entry written as an alias cannot be given an id (it would be the aliased entry\'s too); write it out in full'],
      ['the entry is anchored and aliased elsewhere', twoOrgs('      - *i\n'), 'organisations[0].integrations[0]', 'organisations[0].integrations[0] is anchored (&i) and written again as *i: the id would be given to both; write the copies out in full'],
      ['the entry is inside an alias', 'organisations:\n  - &o {name: A, integrations: [{name: S, merchant_ids: [m]}]}\n  - *o\n', 'organisations[1].integrations[0]', 'organisations[1].integrations[0], inside organisations[1], is written as an alias (*o): an entry written as an alias cannot be given an id (it would be the aliased entry\'s too); write it out in full'],
    ])('%s', (_n, text, path, problem) => {
      // and the other entries are not written either (the file is written whole or not at all)
      const other = path.startsWith('organisations[1]') && text.includes('&o') ? [] : [{ path: 'organisations[0]', id: 'org_a', name: 'A' }];
      const edit = insertIds(text, [...other, { path, id: 'int_1', name: 'S' }]);
      expect(edit.problems).toEqual([problem]);
      expect(edit.text).toBe(text);
    });

    it('an anchor no alias uses is no obstacle', () => {
      const text = 'organisations:\n  - &o\n    name: A\n';
      expect(insertIds(text, [{ path: 'organisations[0]', id: 'org_a', name: 'A' }])).toEqual({ text: 'organisations:\n  - &o\n    name: A\n    id: org_a\n', problems: [] });
    });
  });
});
