import { describe, expect, it } from 'vitest';
import { matchState } from '../../src/plan/match.js';
import { buildPlan } from '../../src/plan/planner.js';
import { renderDiff } from '../../src/plan/render/diff.js';
import { renderMarkdown } from '../../src/plan/render/markdown.js';
import { renderText } from '../../src/plan/render/text.js';
import fc from 'fast-check';
import { jsonText, printable } from '../../src/text.js';
import { check } from '../properties/run.js';
import { desired, int, live, org } from './fixtures.js';

// Names and ids from a server are printed: none may move the cursor, end a line, forge a
// GitHub workflow command, break a Markdown table, inject HTML or ping people.

const ESC = '\x1b';
const hostileNames = [
  `Evil${ESC}[2J${ESC}]0;title\x07`, // clear screen, set the window title
  'two\nlines\r\n::error::forged',
  '::add-mask::secret',
  'bidi\u202egnp.exe',
  'zero\u200bwidth',
  'c1\u009b31m',
  'x##[error]forged',
];
const d = desired('organisations: [{name: Kept, id: org_k, integrations: []}]');
const l = live(
  [org('org_k', '[TEST] Kept'), ...hostileNames.map((n, i) => org(`org_${i}`, n))],
  [int('i_k', 'org_k', '::warning::from an integration\nname')],
);
const plan = buildPlan(d, l);

/** Every line a GitHub runner would read as a command, or that holds a raw control character. */
function dangerous(text: string): string[] {
  return text.split('\n').filter((ln) => /^\s*::/.test(ln) || ln.includes('##[') || /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e]/.test(ln.replace(/\x1b\[[0-9;]*m/g, '')));
}

describe('printable()', () => {
  it.each([
    ['a\nb', 'a\\x0ab'],
    [`${ESC}[31mred`, '\\x1b[31mred'],
    ['\u009b', '\\x9b'],
    ['::error::x', '\\x3a:error::x'],
    ['  ::set-output', '  \\x3a:set-output'],
    ['a ::not at the start', 'a ::not at the start'],
    ['a##[error]b', 'a##\\x5berror]b'],
    ['\u202e', '\\u{202e}'],
    ['Café Ünïcödé and emoji 🙂', 'Café Ünïcödé and emoji 🙂'],
  ])('%j -> %j', (input, output) => {
    expect(printable(input)).toBe(output);
  });
});

describe('hostile names in every renderer', () => {
  it('text plan', () => {
    const text = renderText(plan, { color: true });
    expect(dangerous(text)).toEqual([]);
    expect(text).toContain('organisation["Evil\\u001b[2J\\u001b]0;title\\u0007"]');
    expect(text).toContain('organisation["c1\\x9b31m"]');
  });

  it('diff', () => {
    const diff = renderDiff(d, l, { color: true, match: matchState(d, l) });
    expect(diff).not.toBe('');
    expect(dangerous(diff)).toEqual([]);
  });

  it('markdown: cells cannot break the table, inject HTML, or mention anyone', () => {
    const nasty = [...hostileNames, 'a|b', '`code`', '<img src=x onerror=alert(1)>', '</details><details open>', '@octocat and @org/team', '[link](https://evil)', '**bold**'];
    const p = buildPlan(d, live([org('org_k', '[TEST] Kept'), ...nasty.map((n, i) => org(`org_${i}|<b>@x`, n))]));
    const md = renderMarkdown(p, { diff: '+ name: "```"\n' });
    expect(dangerous(md)).toEqual([]);
    const rows = md.split('\n').filter((r) => r.startsWith('| '));
    expect(rows.length).toBe(nasty.length + 1); // the header, then one per action
    for (const r of rows.slice(2)) expect(r.replace(/\\\|/g, '').split('|').length).toBe(7); // six columns' borders, no more
    expect(md).not.toMatch(/(?<!\\)<(img|\/details><details|b>)/); // only backslash-escaped, which CommonMark prints as text
    expect(md.match(/<\/details>/g)?.length).toBe(1); // only the diff's own closing tag
    expect(md).not.toMatch(/@(?!&#8203;)/); // every @ is followed by a zero-width space
    expect(md).not.toMatch(/(?<!\\)\[link\]\(/);
    // the diff's fence is longer than any backtick run inside it
    expect(md).toContain('````diff\n+ name: "```"\n````');
  });
});

describe('JSON output (plan --json, apply --json, validate --json)', () => {
  it('the plan as JSON: the same data, no line a runner reads as a command', () => {
    const text = jsonText(plan);
    expect(dangerous(text)).toEqual([]);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(plan)));
    expect(text).toContain('"from": "x#\\u0023[error]forged"');
  });

  it('any data: parses back the same; no `##[`, no line separator (property)', () =>
    check(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom('##[', '###[[', '\\##[', '\u2028', '\u0085', '::error::'), (v, bad) => {
        const value = { v, bad, joined: `a${bad}b${bad}` };
        const text = jsonText(value);
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
        expect(text).not.toContain('##[');
        expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
        expect(text.endsWith('}\n')).toBe(true);
      }),
      { seed: 77, numRuns: 300 },
    ));
});
