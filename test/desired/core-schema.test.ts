import jsyaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parse, Schema } from 'yaml';
import { CORE_TESTS, YAML_CORE_SCHEMA } from '../../src/desired/core-schema.js';

// The fast reader's schema is the exact reader's (the yaml package's YAML 1.2 core schema):
// the same tests in the same order, and the same value for every scalar it accepts.

const SCALARS = [
  '', '~', 'null', 'Null', 'NULL', 'nULL', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'on', 'y',
  '0', '-0', '+0', '12', '+12', '-12', '00', '0777', '9'.repeat(400), '0o7', '-0o7', '+0o1', '0O7', '0o8', '0x1F', '0X1F', '+0x1', '-0x1', '0xg', '0b1', '+0b1', '1_000',
  '1.', '1.0', '.5', '+.5', '-.5', '1e3', '1E3', '+1e-3', '.5e1', '1.e5', '1e400', '-1e400', '1e', 'e1', '.', '+', '-',
  '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '.NAN', '+.nan', 'nan', 'inf', '2001-12-14', '1:20', 'Acme',
];

describe('the fast reader types scalars as the exact reader does', () => {
  it('the same tests, tag by tag, in the same order', () => {
    const ours = Object.entries(CORE_TESTS).flatMap(([tag, tests]) => tests.map((t) => [`tag:yaml.org,2002:${tag}`, String(t)]));
    const theirs = new Schema({ schema: 'core' }).tags.filter((t) => t.test).map((t) => [t.tag, String(t.test)]);
    expect(ours).toEqual(theirs);
  });

  // the same value, or the fast reader refuses the file (the exact reader then decides)
  const same = (text: string) => {
    let fast: unknown;
    try {
      fast = jsyaml.load(text, { schema: YAML_CORE_SCHEMA });
    } catch {
      return;
    }
    expect(fast).toEqual(parse(text));
  };

  it.each(SCALARS)('%s', (s) => {
    // (as keys they may differ: null is "null" to one, "" to the other; but every key of a
    // desired state is a fixed word, and any other key is an error to both)
    for (const text of [`v: ${s}`, `v: [${s}]`, `v: {w: ${s}}`, `v: !!str ${s}`, `v: '${s}'`]) same(text);
    for (const tag of ['!!int', '!!float', '!!bool', '!!null']) same(`v: ${tag} ${s}`);
    // `!` on nothing is null to js-yaml and "" to yaml: neither is valid anywhere in a desired
    // state (every string there has at least one character, no value may be null)
    if (s) same(`v: ! ${s}`);
  });
});
