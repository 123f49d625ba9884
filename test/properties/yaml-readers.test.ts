import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatDiagnostic, loadDesiredText } from '../../src/desired/load.js';

// A file is read fast (js-yaml) and, only when it has a problem, again exactly (the yaml
// package, the reference). Whatever the plain scalars in it, the verdict and the state never
// depend on which reader ran: a file gives the same errors and the same state whether or not
// it also holds an unrelated warning (a look-alike pair of organisation names, which sends it
// to the exact reader). Seen: `name: 1e400` valid alone, "the number Infinity" beside a
// warning; under `%YAML 1.1`, `name: yes` likewise; a quoted name or a flow mapping over two
// lines; a carriage return alone.

/** Plain scalars one reader or the other could take for a number, a bool or null, and plain words. */
const LOOK_ALIKES = [
  '1e400', '-1e400', '9'.repeat(320), '+.5', '.5', '-.5e1', '1.', '1.e5', '1E3', '+1e-3', '0.0', '-0', '+12', '12', '00', '0777',
  '0b1', '+0b1', '0x1F', '+0x1', '-0x1', '0o7', '-0o7', '+0o1', '0O7', '1_000', '0x_1', '1:20', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', 'nan', 'inf',
  'null', 'Null', 'NULL', 'nULL', '~', 'true', 'True', 'TRUE', 'tRUE', 'false', 'yes', 'No', 'on', 'OFF', 'y', 'n', '2001-12-14', '2001-12-14t21:59:43.10-05:00',
  '1', '1.0', '0o1', '0x1', '+1', '1e0', '30', '30.5', '0x1e', '1e1', 'ENABLED', 'DISABLED', 'LIVE', 'TEST', 'Shop', 'm1',
];
/** a look-alike, plain or quoted (always a string) */
const lookAlike = fc.tuple(fc.constantFrom(...LOOK_ALIKES), fc.constantFrom('', "'", '"')).map(([v, q]) => `${q}${v}${q}`);
/** mostly a fitting value (so that most files are valid and take the fast path), else a look-alike */
const or = (fitting: fc.Arbitrary<string>, weight = 3) => fc.oneof({ arbitrary: fitting, weight }, { arbitrary: lookAlike, weight: 2 });
/** a setting: mostly absent, else mostly fitting */
const setting = (...fitting: string[]) => fc.option(or(fc.constantFrom(...fitting), 10), { freq: 2 });
/** a quoted name going on over a second line, at some indentation (js-yaml takes any; yaml wants more than the entry's) */
const twoLines = fc
  .tuple(fc.nat(999), fc.nat(8), fc.constantFrom(["'", ''], ['"', ''], ['"', '\\'])) // the last: an escaped line break
  .map(([n, k, [q, escape]]) => `${q}w${n}${escape}\n${' '.repeat(k)}x${q}`);
const name = fc.oneof({ arbitrary: or(fc.nat(999).map((n) => `w${n}`)), weight: 30 }, { arbitrary: twoLines, weight: 1 });

const arbIntegration = fc.record({ name, status: fc.option(or(fc.constantFrom('ENABLED', 'DISABLED'))), merchants: fc.array(name, { minLength: 1, maxLength: 2 }) });
/** now and then: null fifteen times in sixteen */
const rarely = <T>(a: fc.Arbitrary<T>) => fc.oneof({ arbitrary: fc.constant(null), weight: 15 }, { arbitrary: a, weight: 1 });

// closeBelow: a flow mapping closed on a line of its own, at some indentation (js-yaml takes any)
const arbOrganisation = fc.record({ name, id: fc.option(name), flow: fc.boolean(), closeBelow: rarely(fc.nat(6)), integrations: fc.option(fc.array(arbIntegration, { maxLength: 2 })) });
const arbDoc = fc.record({
  directive: rarely(fc.constantFrom('%YAML 1.1', '%YAML 1.2')),
  /** the version line ends with a carriage return alone (a line break to js-yaml only) */
  loneCr: rarely(fc.constant(true)),
  version: or(fc.constant('1'), 10),
  mode: setting('LIVE', 'TEST'),
  pruneOrganisations: setting('true', 'false'),
  allowReplace: setting('true', 'false'),
  percent: setting('30', '30.5', '0'),
  organisations: fc.array(arbOrganisation, { minLength: 1, maxLength: 3 }),
});
type Doc = typeof arbDoc extends fc.Arbitrary<infer T> ? T : never;

const flowIntegration = (i: Doc['organisations'][0]['integrations'] & object extends (infer T)[] ? T : never) =>
  `{name: ${i.name}${i.status !== null ? `, status: ${i.status}` : ''}, merchant_ids: [${i.merchants.join(', ')}]}`;

function render(d: Doc): string {
  const lines = [...(d.directive ? [d.directive, '---'] : []), `version: ${d.version}`];
  if (d.mode !== null) lines.push(`mode: ${d.mode}`);
  if (d.pruneOrganisations !== null) lines.push(`prune:\n  organisations: ${d.pruneOrganisations}`);
  if (d.allowReplace !== null) lines.push(`allow_replace: ${d.allowReplace}`);
  if (d.percent !== null) lines.push(`safety: {max_destructive_percent: ${d.percent}}`);
  lines.push('organisations:');
  for (const o of d.organisations) {
    if (o.flow) {
      const close = o.closeBelow === null ? '}' : `\n${' '.repeat(o.closeBelow)}}`;
      lines.push(`  - {name: ${o.name}${o.id !== null ? `, id: ${o.id}` : ''}${o.integrations ? `, integrations: [${o.integrations.map(flowIntegration).join(', ')}]` : ''}${close}`);
      continue;
    }
    lines.push(`  - name: ${o.name}`);
    if (o.id !== null) lines.push(`    id: ${o.id}`);
    if (!o.integrations) continue;
    lines.push(`    integrations:${o.integrations.length ? '' : ' []'}`);
    for (const i of o.integrations) {
      lines.push(`      - name: ${i.name}`);
      if (i.status !== null) lines.push(`        status: ${i.status}`);
      lines.push(`        merchant_ids:`, ...i.merchants.map((m) => `          - ${m}`));
    }
  }
  const text = `${lines.join('\n')}\n`;
  return d.loneCr ? text.replace('\n', '\r') : text;
}

/** An unrelated warning, at the end of the list: two organisation names that look alike. */
const WARNING_PAIR = '  - name: Warnpair\n  - name: WARNPAIR\n';

describe('the fast and the exact YAML readers agree', () => {
  it('the same errors and the same state with or without an unrelated warning', () => {
    fc.assert(
      fc.property(arbDoc, (d) => {
        const text = render(d);
        const alone = loadDesiredText(text, 'f.yaml');
        const beside = loadDesiredText(text + WARNING_PAIR, 'f.yaml');
        const errors = (r: typeof alone) => r.diagnostics.filter((x) => x.severity === 'error').map(formatDiagnostic);
        expect(beside.state === null).toBe(alone.state === null);
        // after a syntax error the parser recovers as it can: the lines added may change what follows
        const syntax = errors(alone).filter((m) => m.includes('YAML syntax error'));
        if (syntax.length) expect(errors(beside)[0]).toBe(errors(alone)[0]);
        else expect(errors(beside)).toEqual(errors(alone));
        if (!alone.state || !beside.state) return;
        expect(beside.diagnostics.some((x) => x.severity === 'warning' && x.message.includes('"WARNPAIR" looks like "Warnpair"'))).toBe(true);
        expect({ ...beside.state, organisations: beside.state.organisations.slice(0, -2) }).toEqual(alone.state);
      }),
      { seed: 1_400, numRuns: 500 },
    );
  });
});
