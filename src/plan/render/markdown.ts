import type { Plan } from '../../model.js';
import { printable } from '../../text.js';
import { budgetLine } from '../budget.js';
import { describeChanges, statusNote, summaryLine, symbol } from './symbols.js';

// For pull-request comments and $GITHUB_STEP_SUMMARY: a table and a collapsed diff. Every
// string from a server or a file is escaped, so a name cannot break the table, inject HTML
// (`<img>`, `</details>`), forge a link or ping people with an @mention on every comment.

/**
 * Text that is safe anywhere in a Markdown table cell or line: no line break, every ASCII
 * character with a meaning in Markdown or HTML backslash-escaped (CommonMark), and a
 * zero-width space after @ so that GitHub does not turn it into a mention.
 */
export const mdText = (s: string) =>
  printable(s)
    .replace(/[\\`*_[\]<>|~#!&]/g, '\\$&')
    .replace(/@/g, '@&#8203;');

/** A fence longer than any run of backticks in the block, so the block cannot close it. */
const fence = (body: string) => '`'.repeat(Math.max(3, ...[...body.matchAll(/`+/g)].map((m) => m[0].length + 1)));

/** As many lines as fit in `room` characters, then one that says how many were left out. */
function within(lines: string[], room: number, more: (n: number) => string): string[] {
  let used = 0;
  const kept = lines.findIndex((l) => (used += l.length + 1) > room);
  return kept === -1 ? lines : [...lines.slice(0, kept), more(lines.length - kept)];
}

/** A GitHub comment holds 65,536 characters; the plan keeps a margin under it. */
export const MARKDOWN_LIMIT = 60_000;

export interface MarkdownOptions {
  /** the paths planned, for the heading */
  file?: string;
  /** the unified diff (plain), shown collapsed when it fits */
  diff?: string;
  /** the most characters to write (default 60,000) */
  limit?: number;
  /** the saved plan's file, named where parts are left out */
  savedPlan?: string;
}

/**
 * The plan for a pull-request comment or $GITHUB_STEP_SUMMARY: the summary and any warning
 * first, then as many actions as fit under the limit, then how many were left out and where
 * the whole plan is; unmanaged integrations and the diff only when they fit too.
 */
export function renderMarkdown(plan: Plan, opts: MarkdownOptions = {}): string {
  const limit = opts.limit ?? MARKDOWN_LIMIT;
  const head: string[] = [`### cbsync plan${opts.file ? ` for <code>${mdText(opts.file)}</code>` : ''}`, '', `**${summaryLine(plan.summary)}**`, ''];
  if (plan.selection) head.push(`Partial plan: only ${plan.selection.map((t) => `<code>${mdText(t)}</code>`).join(', ')}; nothing outside the selection is planned or pruned.`, '');
  if (plan.actions.some((a) => a.status === 'pending')) head.push(budgetLine(plan.budget), '');
  const notes = [...plan.safety.violations.map((v) => `Apply will refuse without --force: ${v.message}`), ...plan.warnings];
  if (notes.length) head.push('> [!WARNING]', ...within(notes.map((n) => `> ${mdText(n)}`), Math.floor(limit / 4), (n) => `> ... and ${n} more: run \`cbsync plan\` for all of them`), '');
  if (plan.actions.length === 0) head.push('No changes. Live state matches the file.', '');

  const out = [...head];
  let size = out.join('\n').length;
  const fits = (lines: string[], reserve = 0) => size + lines.join('\n').length + lines.length + reserve <= limit;
  const push = (lines: string[]) => {
    out.push(...lines);
    size += lines.join('\n').length + lines.length;
  };
  // Markdown already: our own code spans stay code, the path is escaped
  const where = opts.savedPlan ? `the saved plan <code>${mdText(opts.savedPlan)}</code>, or \`cbsync plan\` in the job's log` : 'run `cbsync plan` (or `--json`) for the whole plan';
  /** room kept for the line that says what was left out */
  const reserve = 200 + where.length;

  if (plan.actions.length) {
    push(['| | Action | Address | Live id | Changes |', '|:-:|---|---|---|---|']);
    let shown = 0;
    for (const a of plan.actions) {
      const note = statusNote(a);
      const changes = [...describeChanges(a).map(mdText), ...(note ? [a.status === 'pending' ? mdText(note) : `**${mdText(note)}**`] : [])].join('<br>');
      const row = `| \`${symbol(a)}\` | ${a.kind} | <code>${mdText(a.address)}</code> | ${a.id ? `<code>${mdText(a.id)}</code>` : ''} | ${changes} |`;
      if (!fits([row], reserve)) break;
      push([row]);
      shown++;
    }
    push(['']);
    if (shown < plan.actions.length) push([`**${plan.actions.length - shown} more ${plan.actions.length - shown === 1 ? 'action is' : 'actions are'} not shown here** (a comment holds ${limit.toLocaleString('en')} characters): ${where}.`, '']);
  }
  if (plan.unmanaged.length) {
    const lines = [`<details><summary>${plan.unmanaged.length} unmanaged integration(s), read-only</summary>`, '', ...plan.unmanaged.map((u) => `- <code>${mdText(u.address)}</code> (${mdText(u.id)}, ${mdText(u.type)}, ${mdText(u.status)})`), '', '</details>', ''];
    push(fits(lines, reserve) ? lines : [`${plan.unmanaged.length} unmanaged integration(s), read-only, not listed here.`, '']);
  }
  if (opts.diff) {
    // inside a fenced block HTML and mentions are inert; the diff lines are already printable()
    const body = opts.diff.trimEnd();
    const f = fence(body);
    const lines = ['<details><summary>Diff: live → desired</summary>', '', `${f}diff`, body, f, '', '</details>', ''];
    push(fits(lines) ? lines : [`The diff (${body.length.toLocaleString('en')} characters) does not fit: ${where}.`, '']);
  }
  return out.join('\n');
}
