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
});
