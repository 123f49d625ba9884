import { describe, expect, it } from 'vitest';
import { insertIds } from '../../src/desired/write-ids.js';

describe('insertIds', () => {
  it.each([
    ['inserts after the name, at its indentation', 'organisations:\n  - name: A # c\n    integrations: []\n', [['organisations[0]', 'org_1']], 'organisations:\n  - name: A # c\n    id: org_1\n    integrations: []\n'],
    ['replaces a pinned id in place (after a replace)', 'organisations:\n  - name: A\n    integrations:\n      - name: S\n        id: int_old   # pinned\n        merchant_ids: [m]\n', [['organisations[0].integrations[0]', 'int_new']], 'organisations:\n  - name: A\n    integrations:\n      - name: S\n        id: int_new   # pinned\n        merchant_ids: [m]\n'],
    ['a name on the last line without a newline', 'organisations:\n  - name: A', [['organisations[0]', 'org_1']], 'organisations:\n  - name: A\n    id: org_1'],
    ['a flow mapping gains the id inline', 'organisations: [{name: A}, {name: B}]\n', [['organisations[1]', 'org_2']], 'organisations: [{name: A}, {name: B, id: org_2}]\n'],
    ['an id that needs quoting', 'organisations:\n  - name: A\n', [['organisations[0]', 'org 1: x']], 'organisations:\n  - name: A\n    id: "org 1: x"\n'],
    ['several entries, edits from the end keep offsets right', 'organisations:\n  - name: A\n  - name: B\n', [['organisations[0]', 'org_a'], ['organisations[1]', 'org_b']], 'organisations:\n  - name: A\n    id: org_a\n  - name: B\n    id: org_b\n'],
    ['a path that is not in the file changes nothing', 'organisations:\n  - name: A\n', [['organisations[5]', 'org_x']], 'organisations:\n  - name: A\n'],
  ] as [string, string, [string, string][], string][])('%s', (_n, text, entries, expected) => {
    expect(insertIds(text, entries.map(([path, id]) => ({ path, id })))).toBe(expected);
  });
});
