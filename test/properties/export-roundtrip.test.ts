import fc from 'fast-check';
import { check } from './run.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportDocument, exportedState, exportFiles } from '../../src/desired/export.js';
import { loadDesired, loadDesiredText } from '../../src/desired/load.js';
import type { Action, LiveState } from '../../src/model.js';
import { fileName } from '../../src/names.js';
import { planState } from '../../src/plan/planner.js';
import { arbLiveState } from './arbitraries.js';

// plan(export(live)) is empty, but for what export says it cannot write faithfully (its
// warnings, see src/desired/export.ts), and nothing else:
//  - a name holding characters a file cannot hold (spaces at an end, a control or invisible
//    character, not NFC) is written cleaned: the plan renames that object to the cleaned name
//    (rename_organisation, or update_integration changing only `name`);
//  - a second ENABLED integration with the name of a listed one (after cleaning) cannot be
//    listed: the plan disables it (update_integration changing only `status` to DISABLED);
//  - two organisations sharing a name (ignoring the prefix) make a file that does not validate
//    (duplicate organisation name): nothing is planned from it.
// Whatever the warnings, the plan never creates, deletes or replaces anything.

const SEED = 20_20;

/** Why an action is allowed: the id export warned about, or null when nothing allows it. */
function warnedFor(a: Action, live: LiveState, warnings: string[]): boolean {
  const changes = Object.keys(a.changes).sort().join(',');
  const warned = (what: string) => warnings.some((w) => w.startsWith(`${what} ${a.id} `));
  if (a.kind === 'rename_organisation' && changes === 'name') {
    const o = live.organisations.find((x) => x.id === a.id)!;
    return fileName(o.name, true).changed && warned('organisation');
  }
  if (a.kind === 'update_integration' && changes === 'name') {
    const i = live.integrations.find((x) => x.id === a.id)!;
    return fileName(i.name, false).changed && warned('integration');
  }
  if (a.kind === 'update_integration' && changes === 'status') return a.changes.status!.to === 'DISABLED' && warnings.some((w) => w.startsWith(`integration ${a.id} of organisation `) && w.includes('is ENABLED and named like'));
  return false;
}

function expectRoundTrip(live: LiveState, state: ReturnType<typeof loadDesiredText>, warnings: string[]) {
  const errors = state.diagnostics.filter((d) => d.severity === 'error');
  if (warnings.some((w) => w.includes('the file will not validate until one is renamed'))) {
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.message).toMatch(/^duplicate organisation name/);
    return;
  }
  expect(errors).toEqual([]);
  const { plan } = planState(state.state!, live);
  for (const a of plan.actions) expect(warnedFor(a, live, warnings), `${a.kind} ${a.address} ${JSON.stringify(a.changes)} was not warned about`).toBe(true);
}

describe('plan(export(live)) is empty but for what export warns about', () => {
  it('one file (exportDocument, loadDesiredText)', () => {
    return check(
      fc.property(arbLiveState({ awkwardNames: 0.1, organisationNamesakes: true }), (live) => {
        const { text, warnings } = exportDocument(live);
        expectRoundTrip(live, loadDesiredText(text, 'export.yaml'), warnings);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('one file per organisation (exportFiles, loadDesired)', () => {
    return check(
      fc.property(arbLiveState({ awkwardNames: 0.1 }), (live) => {
        const { files, warnings } = exportFiles(live);
        expectRoundTrip(live, loadDesired(files.map((f) => ({ file: f.path, text: f.text }))), warnings);
      }),
      { seed: SEED, numRuns: 150 },
    );
  });

  it('an organisation-level key', () => {
    return check(
      fc.property(arbLiveState({ keyLevel: 'organisation' }), (live) => {
        const { text, warnings } = exportDocument(live);
        expectRoundTrip(live, loadDesiredText(text, 'export.yaml'), warnings);
      }),
      { seed: SEED, numRuns: 100 },
    );
  });
});

describe('exported text', () => {
  it('every name, id and merchant id reads as the same string in YAML 1.1 (yamllint, PyYAML) and YAML 1.2', () => {
    return check(
      fc.property(arbLiveState({ awkwardNames: 0.1 }), (live) => {
        const { text } = exportDocument(live);
        expect(text).not.toContain('##['); // a CI log showing the file holds no workflow command
        const v12 = parse(text);
        expect(parse(text, { version: '1.1' })).toEqual(v12);
        for (const o of v12.organisations) {
          expect(typeof o.name).toBe('string');
          expect(typeof o.id).toBe('string');
          for (const i of o.integrations) for (const v of [i.name, i.id, i.status, ...i.merchant_ids]) expect(typeof v).toBe('string');
        }
        const ids = new Set(v12.organisations.map((o: { id: string }) => o.id));
        for (const o of live.organisations) expect(ids.has(o.id)).toBe(true);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('carries a hash of itself: unchanged as written, edited after any change', () => {
    return check(
      fc.property(arbLiveState({ maxOrganisations: 3 }), fc.nat(), fc.constantFrom('x', '#', '\n', ''), (live, at, insert) => {
        const { text } = exportDocument(live);
        expect(exportedState(text)).toBe('unchanged');
        const pos = at % text.length;
        const edited = insert ? text.slice(0, pos) + insert + text.slice(pos) : text.slice(0, pos) + text.slice(pos + 1);
        // any change is seen; one below the header is an edit
        expect(exportedState(edited)).not.toBe('unchanged');
        if (pos > text.indexOf('\nversion:')) expect(exportedState(edited)).toBe('edited');
      }),
      { seed: SEED, numRuns: 200 },
    );
    expect(exportedState('version: 1\norganisations: []\n')).toBe('foreign');
  });
});
