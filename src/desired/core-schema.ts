import jsyaml from 'js-yaml';

// The YAML 1.2 core schema as the yaml package reads it (yaml/dist/schema/core), for js-yaml.
// js-yaml's own CORE_SCHEMA types plain scalars otherwise (`1e400`, `+.5` and 400-digit
// integers stay strings; `0b1`, `+0x1` and `-0o7` become numbers), so a file's verdict
// depended on which of the two readers ran. Each test and value here is the yaml package's,
// in its order (test/desired/core-schema.test.ts holds the two side by side).

const NULL = /^(?:~|[Nn]ull|NULL)?$/;
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/;
const INT_OCT = /^0o[0-7]+$/;
const INT = /^[-+]?[0-9]+$/;
const INT_HEX = /^0x[0-9a-fA-F]+$/;
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/;
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/;
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/;

/** Aliases a file may use (yaml's maxAliasCount, against entity expansion): the exact reader's limit. */
export const MAX_ALIASES = 100;

/** The yaml package's tests, by tag, for the test that they agree. */
export const CORE_TESTS = { null: [NULL], bool: [BOOL], int: [INT_OCT, INT, INT_HEX], float: [FLOAT_NAN, FLOAT_EXP, FLOAT] };

// js-yaml asks every type about every plain scalar: most are words, turned away by their
// first character before any pattern runs (the fast path must stay fast)
const NULL_START = new Set([...'~nN'].map((c) => c.charCodeAt(0)));
const BOOL_START = new Set([...'tTfF'].map((c) => c.charCodeAt(0)));
const isNull = (s: string | null) => s === null || s === '' || (s.length <= 4 && NULL_START.has(s.charCodeAt(0)) && NULL.test(s));
const isBool = (s: string | null) => s !== null && (s.length === 4 || s.length === 5) && BOOL_START.has(s.charCodeAt(0)) && BOOL.test(s);
const numeric = (s: string) => {
  const c = s.charCodeAt(0);
  return (c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46; // 0-9 + - .
};
const isInt = (s: string | null) => s !== null && numeric(s) && (INT.test(s) || INT_OCT.test(s) || INT_HEX.test(s));
const isFloat = (s: string | null) => s !== null && numeric(s) && (FLOAT_NAN.test(s) || FLOAT_EXP.test(s) || FLOAT.test(s));

const int = (s: string): number => (INT_OCT.test(s) ? parseInt(s.substring(2), 8) : INT_HEX.test(s) ? parseInt(s.substring(2), 16) : parseInt(s, 10));
const float = (s: string): number => {
  if (!FLOAT_NAN.test(s)) return parseFloat(s);
  return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
};

const type = (name: string, resolve: (s: string | null) => boolean, construct: (s: string) => unknown) =>
  new jsyaml.Type(`tag:yaml.org,2002:${name}`, { kind: 'scalar', resolve, construct });

export const YAML_CORE_SCHEMA = jsyaml.FAILSAFE_SCHEMA.extend({
  implicit: [
    type('null', isNull, () => null),
    type('bool', isBool, (s) => s[0] === 't' || s[0] === 'T'),
    type('int', isInt, int),
    type('float', isFloat, float),
  ],
});
