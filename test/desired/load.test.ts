import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredFile, loadDesiredText } from '../../src/desired/load.js';
import { schemaValidator } from '../../src/desired/schema.js';

const head = 'version: 1\n';
const org = (body: string) => `${head}organisations:\n  - name: Acme\n${body}`;

// [name, file text, expected first problem as "LINE:COL: path: message" (a regex)]
const BAD: [string, string, RegExp][] = [
  ['empty file', '', /^1:1: the file is empty/],
  ['only comments', '# nothing\n', /^1:1: the file is empty/],
  ['top-level list', '- a\n- b\n', /^1:1: the file must be a mapping.*not a list/],
  ['top-level scalar', 'hello\n', /^1:1: the file must be a mapping.*not the string "hello"/],
  ['syntax: unclosed flow list', `${head}organisations: [\n`, /^\d+:\d+: YAML syntax error: /],
  ['syntax: unclosed quote', `${head}organisations:\n  - name: 'Acme\n`, /^4:1: YAML syntax error: Missing closing 'quote/],
  ['tab indentation', `${head}organisations:\n\t- name: x\n`, /^3:1: YAML syntax error: tabs are not allowed/],
  ['duplicate key', `${head}version: 1\norganisations: []\n`, /^2:1: duplicate key "version"/],
  ['duplicate key inside an item', org('    name: Again\n'), /^4:5: duplicate key "name"/],
  ['two documents', `${head}organisations: []\n---\n${head}`, /^3:1: several YAML documents/],
  ['missing version', 'organisations: []\n', /^1:1: missing required key "version"/],
  ['wrong version', 'version: 2\norganisations: []\n', /^1:10: version: must be 1/],
  ['missing organisations', head, /^1:1: missing required key "organisations"/],
  ['organisations not a list', `${head}organisations: Acme\n`, /^2:16: organisations: must be a list, not the string "Acme"/],
  ['unknown top-level key', `${head}organisations: []\nprunes: {}\n`, /^3:1: prunes: unknown key "prunes" \(did you mean "prune"\?\)/],
  ['bad mode', `${head}mode: test\norganisations: []\n`, /^2:7: mode: must be one of LIVE, TEST/],
  ['prune not boolean', `${head}prune:\n  organisations: yes\norganisations: []\n`, /^3:18: prune\.organisations: must be true or false, not the string "yes"/],
  ['percent out of range', `${head}safety:\n  max_destructive_percent: 150\norganisations: []\n`, /^3:28: safety\.max_destructive_percent: must be <= 100/],
  ['organisation without name', `${head}organisations:\n  - id: org_1\n`, /^3:5: organisations\[0\]: missing required key "name"/],
  ['organisation name empty', `${head}organisations:\n  - name: ""\n`, /^3:11: organisations\[0\]\.name: must not be empty/],
  ['organisation name a number', `${head}organisations:\n  - name: 42\n`, /^3:11: organisations\[0\]\.name: must be a string, not the number 42 \(quote it\)/],
  ['only the prefix', `${head}organisations:\n  - name: "[TEST]"\n`, /^3:11: organisations\[0\]\.name: must have a name after the \[TEST\] prefix/],
  ['integration missing merchant_ids', org('    integrations:\n      - name: Shop\n'), /^5:9: organisations\[0\]\.integrations\[0\]: missing required key "merchant_ids"/],
  ['empty merchant_ids', org('    integrations:\n      - name: Shop\n        merchant_ids: []\n'), /^6:23: organisations\[0\]\.integrations\[0\]\.merchant_ids: must list at least 1 item/],
  ['integration name too long', org(`    integrations:\n      - name: ${'x'.repeat(256)}\n        merchant_ids: [m]\n`), /^5:15: organisations\[0\]\.integrations\[0\]\.name: must be at most 255 characters/],
  ['bad status', org('    integrations:\n      - name: Shop\n        status: PAUSED\n        merchant_ids: [m]\n'), /^6:17: organisations\[0\]\.integrations\[0\]\.status: must be one of ENABLED, DISABLED/],
  ['other integration type', org('    integrations:\n      - name: Shop\n        type: SHOPIFY\n        merchant_ids: [m]\n'), /^6:9: organisations\[0\]\.integrations\[0\]\.type: unknown key "type"/],
  ['duplicate organisation names ignoring the prefix', `${head}organisations:\n  - name: Acme\n  - name: "[TEST] Acme"\n`, /^4:11: organisations\[1\]\.name: duplicate organisation name "Acme" .*first seen at 3:11/],
  ['duplicate ids', `${head}organisations:\n  - name: A\n    id: org_1\n  - name: B\n    id: org_1\n`, /^6:9: organisations\[1\]\.id: duplicate id "org_1" \(first seen at 4:9\)/],
  ['duplicate integration names', org('    integrations:\n      - name: Shop\n        merchant_ids: [m]\n      - name: Shop\n        merchant_ids: [n]\n'), /^7:15: .*integrations\[1\]\.name: duplicate integration name "Shop" in this organisation \(first seen at 5:15\)/],
  ['duplicate merchant ids', org('    integrations:\n      - name: Shop\n        merchant_ids: [m1, m2, m1]\n'), /^6:32: .*merchant_ids\[2\]: duplicate merchant id "m1" \(first seen at 6:24\)/],
  ['listed and ignored', `${head}ignore:\n  organisations: [Acme]\norganisations:\n  - name: Acme\n`, /^3:19: ignore\.organisations\[0\]: "Acme" is both listed/],
  ['api key in the file', `${head}api_key: cbs_live_123\norganisations: []\n`, /^2:1: api_key: "api_key" looks like a credential.*CHARGEBACKSTOP_API_KEY/],
  ['token nested in an organisation', org('    token: abc\n'), /^4:5: organisations\[0\]\.token: "token" looks like a credential/],
  // names a server may normalise (seen: "Acme " created again on every apply of a trimming server)
  ['trailing whitespace', `${head}organisations:\n  - name: "Acme "\n`, /^3:11: organisations\[0\]\.name: has leading or trailing whitespace: a server may trim it/],
  ['leading whitespace in an integration name', org('    integrations:\n      - name: " Shop"\n        merchant_ids: [m]\n'), /^5:15: .*integrations\[0\]\.name: has leading or trailing whitespace/],
  ['a zero-width space', `${head}organisations:\n  - name: "Acme\\u200B"\n`, /^3:11: organisations\[0\]\.name: holds a control or invisible character \(\\u\{200b\}\)/],
  ['a bidi control', `${head}organisations:\n  - name: "abc\\u202Eexe"\n`, /invisible character \(\\u\{202e\}\)/],
  ['a tab', `${head}organisations:\n  - name: "a\\tb"\n`, /control or invisible character \(\\x09\)/],
  ['not NFC', `${head}organisations:\n  - name: "Cafe\\u0301"\n`, /^3:11: organisations\[0\]\.name: is not in Unicode NFC form/],
  ['unresolved alias', `${head}organisations: *nothing\n`, /^\d+:\d+: (YAML syntax error|cannot read the YAML)/],
  // issue 20: "must be a list, not empty" read as "must not be empty"; `<<` got "did you mean id?"
  ['integrations left empty', org('    integrations:\n'), /^4:18: organisations\[0\]\.integrations: is left empty \(that is null, not a list\): write \[\] for none$/],
  ['organisations left empty', `${head}organisations:\n`, /^2:15: organisations: is left empty \(that is null, not a list\): write \[\] for none$/],
  ['merchant_ids left empty', org('    integrations:\n      - name: Shop\n        merchant_ids:\n'), /^6:22: .*merchant_ids: is left empty \(that is null, not a list\): list at least one item$/],
  ['a merge key', org('    integrations:\n      - &shop\n        name: Shop\n        merchant_ids: [m]\n      - <<: *shop\n        name: Shop 2\n        merchant_ids: [n]\n'), /^8:9: organisations\[0\]\.integrations\[1\]\.<<: YAML merge keys \(<<\) are not supported: write the keys out in full/],
  ['a merge key at the top', `${head}<<: {mode: TEST}\norganisations: []\n`, /^2:1: <<: YAML merge keys \(<<\) are not supported: write the keys out in full \(an alias such as \*name may still stand for a whole value\)$/],
];

describe('names that look alike are a warning, not an error', () => {
  it.each([
    ['Cyrillic A', 'Acme', 'Аcme'],
    ['case', 'Acme', 'ACME'],
    ['rn and m', 'Modern', 'Modem'],
  ])('%s', (_what, a, b) => {
    const r = loadDesiredText(`${head}organisations:\n  - name: ${a}\n  - name: ${b}\n    integrations:\n      - {name: ${a}, merchant_ids: [m]}\n      - {name: ${b}, merchant_ids: [n]}\n`, 'f.yaml');
    expect(r.state).not.toBeNull();
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      `f.yaml:4:11: warning: organisations[1].name: organisation name ${JSON.stringify(b)} looks like ${JSON.stringify(a)} (first seen at 3:11): people will confuse them`,
      `f.yaml:7:16: warning: organisations[1].integrations[1].name: integration name ${JSON.stringify(b)} looks like ${JSON.stringify(a)} (first seen at 6:16): people will confuse them`,
    ]);
  });

  it('distinct names stay quiet', () => {
    expect(loadDesiredText(`${head}organisations:\n  - name: Org 1\n  - name: Org 2\n  - name: Café\n`, 'f.yaml').diagnostics).toEqual([]);
  });
});

describe('bad files', () => {
  it('the table has at least 25 cases', () => expect(BAD.length).toBeGreaterThanOrEqual(25));
  it.each(BAD)('%s', (_name, text, expected) => {
    const r = loadDesiredText(text, 'f.yaml');
    expect(r.state).toBeNull();
    expect(r.diagnostics.length).toBeGreaterThan(0);
    const first = r.diagnostics[0]!;
    const line = `${first.line}:${first.col}: ${first.path ? `${first.path}: ` : ''}${first.message}`;
    expect(line).toMatch(expected);
    expect(formatDiagnostic(first).startsWith(`f.yaml:${first.line}:${first.col}: `)).toBe(true);
  });

  it('never repeats a secret value', () => {
    const r = loadDesiredText(`${head}secret: s3cr3t-value\norganisations:\n  - name: A\n    password: hunter2\n`, 'f.yaml');
    const text = r.diagnostics.map(formatDiagnostic).join('\n');
    expect(r.diagnostics).toHaveLength(2);
    expect(text).not.toContain('s3cr3t-value');
    expect(text).not.toContain('hunter2');
  });

  it('reports every problem at once, in file order', () => {
    const text = `${head}mode: x\norganisations:\n  - name: ""\n    integrations:\n      - name: S\n        merchant_ids: []\n  - nme: B\n`;
    const r = loadDesiredText(text, 'f.yaml');
    expect(r.diagnostics.map((d) => `${d.line}:${d.col}`)).toEqual(['2:7', '4:11', '7:23', '8:5', '8:5']);
  });
});

describe('file hazards', () => {
  const dir = mkdtempSync(`${tmpdir()}/cbsync-desired-`);
  it('missing file', () => {
    const r = loadDesiredFile(`${dir}/nope.yaml`);
    expect(formatDiagnostic(r.diagnostics[0]!)).toBe(`${dir}/nope.yaml: file not found`);
  });
  it('a directory', () => {
    expect(loadDesiredFile(dir).diagnostics[0]!.message).toMatch(/directory/);
  });
  it('non-UTF-8 bytes, located', () => {
    writeFileSync(`${dir}/latin1.yaml`, Buffer.concat([Buffer.from('version: 1\norganisations:\n  - name: Caf'), Buffer.from([0xe9]), Buffer.from('\n')]));
    const d = loadDesiredFile(`${dir}/latin1.yaml`).diagnostics[0]!;
    expect(d.message).toMatch(/not valid UTF-8 \(byte 0xe9/);
    expect([d.line, d.col]).toEqual([3, 14]);
  });
  it('a file over the size limit', () => {
    writeFileSync(`${dir}/big.yaml`, `# ${'x'.repeat(6 * 1024 * 1024)}\n`);
    expect(loadDesiredFile(`${dir}/big.yaml`).diagnostics[0]!.message).toMatch(/larger than 5 MiB/);
  });
  it('a UTF-8 BOM is fine', () => {
    writeFileSync(`${dir}/bom.yaml`, `\uFEFF${head}organisations: []\n`);
    expect(loadDesiredFile(`${dir}/bom.yaml`).state).not.toBeNull();
  });
});

describe('good files', () => {
  it.each(['examples/desired.yaml', 'examples/minimal.yaml'])('%s validates', (f) => {
    const r = loadDesiredFile(f);
    expect(r.diagnostics).toEqual([]);
    expect(r.state!.organisations.length).toBeGreaterThan(0);
  });

  it('defaults are filled in; each entry keeps its file and path, and its position is found on demand', () => {
    const r = loadDesiredText(`${head}organisations:\n  - name: A\n    integrations:\n      - name: S\n        merchant_ids: [m]\n`, 'f.yaml');
    expect(r.state).toMatchObject({
      prune: { organisations: true, integrations: true },
      ignore: { organisations: [] },
      allowReplace: false,
      safety: { maxDestructivePercent: 30 },
      organisations: [{ name: 'A', file: 'f.yaml', path: 'organisations[0]', integrations: [{ name: 'S', status: 'ENABLED', merchant_ids: ['m'], file: 'f.yaml', path: 'organisations[0].integrations[0]' }] }],
      files: ['f.yaml'],
    });
    expect(r.locate('f.yaml', 'organisations[0]')).toEqual({ line: 3, col: 5 });
    expect(r.locate('f.yaml', 'organisations[0].integrations[0]')).toEqual({ line: 5, col: 9 });
    expect(r.locate('other.yaml', 'organisations[0]')).toBeNull();
  });

  it('the schema compiles in ajv strict mode and describes every property', () => {
    expect(() => schemaValidator('desired-state')).not.toThrow();
    const schema = JSON.parse(require('node:fs').readFileSync('schema/desired-state.schema.json', 'utf8'));
    const missing: string[] = [];
    const walk = (s: any, at: string) => {
      for (const [k, v] of Object.entries<any>(s.properties ?? {})) {
        if (!v.description) missing.push(`${at}.${k}`);
        walk(v, `${at}.${k}`);
      }
    };
    walk(schema, '');
    for (const [k, d] of Object.entries<any>(schema.$defs)) walk(d, `$defs.${k}`);
    expect(missing).toEqual([]);
  });
});

// seen: a problem on `- *o` was reported at 1:1, and an aliased number as "not empty"
describe('entries and values written as aliases are located at the alias', () => {
  it('an organisation written as an alias of another: the duplicate name stands at the alias', () => {
    for (const first of ['  - &o {name: A}\n', '  - &o\n    name: A\n']) {
      const r = loadDesiredText(`${head}organisations:\n${first}  - *o\n`, 'f.yaml');
      const at = first.includes('{') ? '3:15' : '4:11';
      expect(r.diagnostics.map(formatDiagnostic)).toEqual([
        `f.yaml:${first.includes('{') ? 4 : 5}:5: organisations[1].name: duplicate organisation name "A" (names are compared without the [TEST] prefix) (first seen at ${at})`,
      ]);
      expect(r.locate('f.yaml', 'organisations[1]')).toEqual({ line: first.includes('{') ? 4 : 5, col: 5 });
    }
  });

  it('a name aliased to a number says which number, at the alias', () => {
    const r = loadDesiredText(`${head}organisations:\n  - name: &n 123\n  - name: *n\n`, 'f.yaml');
    expect(r.diagnostics.map(formatDiagnostic)).toEqual([
      'f.yaml:3:14: organisations[0].name: must be a string, not the number 123 (quote it)',
      'f.yaml:4:11: organisations[1].name: must be a string, not the number 123 (quote it)',
    ]);
  });
});

// seen: `name: 1e400` was valid (a string to the fast reader) or "the number Infinity" (to the
// exact one) depending on whether an unrelated warning sent the file to the exact reader
describe('plain scalars are typed by the YAML 1.2 core schema, whichever reader runs', () => {
  const lookAlike = '  - name: Acme\n  - name: ACME\n';
  it.each([
    ['1e400', 'the number Infinity'],
    ['-1e400', 'the number -Infinity'],
    ['+.5', 'the number 0.5'],
    ['0o17', 'the number 15'],
    ['0x1F', 'the number 31'],
    ['1_000', null],
    ['0b1', null],
    ['+0x1', null],
    ['-0o7', null],
    ['.inf', 'the number Infinity'],
    ['-.Inf', 'the number -Infinity'],
    ['.NaN', 'the number NaN'],
    ['TRUE', 'the value true'],
    ['yes', null],
    ['Null', 'empty'],
    ['2001-12-14', null],
  ])('name: %s', (scalar, number) => expectName(scalar, number));

  it('name: a 400-digit integer is the number Infinity', () => expectName('9'.repeat(400), 'the number Infinity'));

  function expectName(scalar: string, number: string | null) {
    for (const extra of ['', lookAlike]) {
      const r = loadDesiredText(`${head}organisations:\n  - name: ${scalar}\n${extra}`, 'f.yaml');
      const errors = r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
      expect(errors).toEqual(number ? [`f.yaml:3:11: organisations[0].name: must be a string, not ${number} (quote it)`] : []);
      if (!number) expect(r.state!.organisations[0]!.name).toBe(scalar);
    }
  }

  it.each([
    ['1', null],
    ['0o1', null],
    ['0x1', null],
    ['+1', null],
    ['1.0', null],
    ['0b1', 'version: must be 1'],
    ['+0x1', 'version: must be 1'],
    ['+0o1', 'version: must be 1'],
    ['1_0', 'version: must be 1'],
  ])('version: %s', (scalar, error) => {
    for (const extra of ['', lookAlike]) {
      const r = loadDesiredText(`version: ${scalar}\norganisations:\n  - name: A\n${extra}`, 'f.yaml');
      const errors = r.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.path}: ${d.message}`);
      expect(errors).toEqual(error ? [error] : []);
    }
  });
});

// seen: under `%YAML 1.1`, `name: yes` was valid alone (js-yaml ignores the directive) and
// "the value true" beside a warning (the yaml package reads YAML 1.1 then)
describe('a %YAML directive is honoured whichever reader runs', () => {
  it.each([
    ['%YAML 1.1', ['f.yaml:5:11: organisations[0].name: must be a string, not the value true (quote it)']],
    ['%YAML 1.2', []],
  ])('%s', (line, errors) => {
    for (const extra of ['', '  - name: Acme\n  - name: ACME\n']) {
      const r = loadDesiredText(`${line}\n---\n${head}organisations:\n  - name: yes\n${extra}`, 'f.yaml');
      expect(r.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic)).toEqual(errors);
    }
  });
});

// seen: a quoted name or a flow mapping over two lines, its second line no deeper than the
// entry, was valid alone (js-yaml takes any indentation) and a syntax error beside a warning
// (the yaml package); likewise a carriage return alone (a line break to js-yaml only)
describe('scalars and flow collections over lines, and carriage returns, read the same whichever reader runs', () => {
  it.each([
    ['a double-quoted name, its second line as deep as the entry', '  - name: "Acme\n    Ltd"\n', '3:16: YAML syntax error: Missing closing "quote'],
    ['a single-quoted name, its second line as deep as the list', "  - name: 'Acme\n  Ltd'\n", "3:16: YAML syntax error: Missing closing 'quote"],
    ['a double-quoted name, its second line deeper', '  - name: "Acme\n      Ltd"\n', null],
    ['a double-quoted name, an escaped line break', '  - name: "Acme\\\n      Ltd"\n', null],
    ['a flow mapping, its second line as deep as the list', '  - {name: Acme Ltd,\n  id: x}\n', '4:3: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }'],
    ['a flow mapping, its second line deeper', '  - {name: Acme Ltd,\n      id: x}\n', null],
    ['a flow list closed on the next line', '  - name: Acme Ltd\n    integrations: [{name: S, merchant_ids: [m]}\n    ]\n', null],
    ['a carriage return alone', '  - name: Acme Ltd\r    id: x\n', '3:11: YAML syntax error: Nested mappings are not allowed in compact mappings'],
    ['CRLF line breaks', '  - name: Acme Ltd\r\n    id: x\r\n', null],
  ])('%s', (_what, body, error) => {
    for (const extra of ['', '  - name: Acme\n  - name: ACME\n']) {
      const r = loadDesiredText(`${head}organisations:\n${body}${extra}`, 'f.yaml');
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (error) expect([`${errors[0]?.line}:${errors[0]?.col}: ${errors[0]?.message}`, r.state]).toEqual([error, null]);
      else expect([errors, r.state!.organisations[0]!.name]).toEqual([[], expect.stringMatching(/^Acme ?Ltd$/)]);
    }
  });
});

// seen: 100 aliases of one scalar were valid alone and over the exact reader's limit beside a warning
describe('the alias limit holds whichever reader runs', () => {
  const file = (n: number, extra: string) =>
    `${head}organisations:\n  - name: A\n    integrations:\n      - {name: I0, status: &d DISABLED, merchant_ids: [m]}\n${Array.from({ length: n }, (_, i) => `      - {name: I${i + 1}, status: *d, merchant_ids: [m]}\n`).join('')}${extra}`;
  it.each([
    [99, null],
    [100, /^cannot read the YAML: Excessive alias count/],
  ])('%i aliases of one value', (n, error) => {
    for (const extra of ['', '  - name: Acme\n  - name: ACME\n']) {
      const r = loadDesiredText(file(n, extra), 'f.yaml');
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (!error) expect(errors).toEqual([]);
      else expect(errors.map((d) => d.message)).toEqual([expect.stringMatching(error)]);
    }
  });
});
