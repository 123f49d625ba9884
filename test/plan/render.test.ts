import { describe, expect, it } from 'vitest';
import type { ActionResult, ApplyReport } from '../../src/model.js';
import { summaryText } from '../../src/plan/render/apply.js';
import { buildPlan } from '../../src/plan/planner.js';
import { renderMarkdown } from '../../src/plan/render/markdown.js';
import { renderText } from '../../src/plan/render/text.js';
import { desired, int, live, org } from './fixtures.js';

const plan = buildPlan(
  desired('organisations: [{name: "Acme | Co", id: org_a, integrations: [{name: Shop, status: DISABLED, merchant_ids: [m1]}, {name: New, merchant_ids: [m1, m2]}]}]'),
  live([org('org_a', '[TEST] Acme'), org('org_b', '[TEST] <b>')], [int('i1', 'org_a', 'Shop'), int('i9', 'org_b', 'F')]),
);

describe('renderers', () => {
  it('text: one line per action, names quoted, enum values not, the summary last', () => {
    expect(renderText(plan, { color: false })).toBe(
      [
        '  ~ rename_organisation  organisation["Acme | Co"] (org_a)',
        '        name: "[TEST] Acme" -> "Acme | Co"',
        '  + create_integration   organisation["Acme | Co"].integration["New"]',
        '        name: "New"',
        '        status: ENABLED',
        '        merchant_ids: [m1, m2]',
        '  ~ update_integration   organisation["Acme | Co"].integration["Shop"] (i1)',
        '        status: ENABLED -> DISABLED',
        '  ! delete_organisation  organisation["<b>"] (org_b)',
        '        blocked (HAS_INTEGRATIONS): has 1 integration, which can never be deleted: list the organisation in the file, or add it to ignore',
        '',
        'Plan: 1 to create, 1 to rename, 1 to disable, 0 to replace, 0 to delete, 1 blocked, 0 unreconcilable.',
        'Apply: 7 requests (2 GET /v1/integrations); within the rate limit (100 requests per minute per endpoint).',
        '',
      ].join('\n'),
    );
  });

  it('markdown: table cells escape pipes and HTML', () => {
    const md = renderMarkdown(plan);
    expect(md).toContain('| `~` | rename_organisation | <code>organisation\\["Acme \\| Co"\\]</code> | <code>org\\_a</code> | name: "\\[TEST\\] Acme" -\\> "Acme \\| Co" |');
    expect(md).toContain('<code>organisation\\["\\<b\\>"\\]</code>');
    expect(md).not.toContain('<b>');
  });
});

describe('markdown under a comment limit (seen: 1,500 creates made 216,064 characters; a comment holds 65,536)', () => {
  const many = buildPlan(
    desired(`organisations:\n${Array.from({ length: 150 }, (_, i) => `  - {name: "Organisation number ${i}", integrations: [${Array.from({ length: 9 }, (_, j) => `{name: "Integration ${j}", merchant_ids: [m${i}a, m${i}b]}`).join(', ')}]}`).join('\n')}`),
    live([]),
  );

  it('1,500 creates: the summary, as many actions as fit, how many were left out and where the whole plan is', () => {
    expect(many.actions).toHaveLength(1500);
    const md = renderMarkdown(many, { file: 'accounts/', diff: '+ x\n'.repeat(20_000), savedPlan: 'out/plan_1.json' });
    expect(md.length).toBeLessThan(60_000);
    expect(md).toContain('**Plan: 1500 to create, 0 to rename');
    const rows = md.split('\n').filter((l) => l.startsWith('| `+` |')).length;
    expect(rows).toBeGreaterThan(200);
    // our own code spans stay code; only the path is escaped (seen: "run \\`cbsync plan\\`")
    const where = "the saved plan <code>out/plan\\_1.json</code>, or `cbsync plan` in the job's log";
    expect(md).toContain(`**${1500 - rows} more actions are not shown here** (a comment holds 60,000 characters): ${where}.`);
    expect(md).toContain(`The diff (79,999 characters) does not fit: ${where}.`);
    expect(renderMarkdown(many)).toContain('run `cbsync plan` (or `--json`) for the whole plan.');
  });

  it('800 warnings still fit the limit: as many as fit, then how many more (seen: 137,477 characters)', () => {
    const warned = { ...many, warnings: Array.from({ length: 800 }, (_, i) => `case.yaml: organisations[${i}].integrations[0]: pinned integration int_${i} was replaced by int_new_${i}; update its id in the file (apply --write-ids does it)`) };
    const md = renderMarkdown(warned, { diff: '+ x\n'.repeat(1000) });
    expect(md.length).toBeLessThan(60_000);
    expect(md).toMatch(/> \.\.\. and \d+ more: run `cbsync plan` for all of them/);
    expect(md).toContain('| `+` |');
  });

  it('a small plan is whole, diff included', () => {
    const md = renderMarkdown(plan, { diff: '-a\n+b\n' });
    expect(md).not.toContain('not shown here');
    expect(md).toContain('```diff\n-a\n+b\n```');
  });
});

describe('the apply summary line', () => {
  const repair = (outcome: ActionResult['outcome']): ActionResult => ({ address: 'organisation["Acme"]', kind: 'delete_organisation', outcome, id: 'org_2' });
  const report = (repairs: ActionResult[]) =>
    ({ summary: { done: 1, blocked: 0, failed: 0, skipped: 0 }, repairs, interrupted: false }) as unknown as ApplyReport;
  it.each([
    [[], 'Apply: 1 done, 0 blocked, 0 failed, 0 skipped.'],
    [[repair('done')], 'Apply: 1 done, 0 blocked, 0 failed, 0 skipped; 1 duplicate repaired.'],
    // a repair that failed left its duplicate: it is not counted as repaired (seen: "1 duplicate repaired" beside its own "failed" line)
    [[repair('failed')], 'Apply: 1 done, 0 blocked, 0 failed, 0 skipped; 1 duplicate not repaired.'],
    [[repair('done'), repair('failed'), repair('failed')], 'Apply: 1 done, 0 blocked, 0 failed, 0 skipped; 1 duplicate repaired; 2 duplicates not repaired.'],
  ])('%j', (repairs, line) => {
    expect(summaryText(report(repairs))).toBe(line);
  });
});
