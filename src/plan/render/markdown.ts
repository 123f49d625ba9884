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

export function renderMarkdown(plan: Plan, opts: { file?: string; diff?: string } = {}): string {
  const out: string[] = [`### cbsync plan${opts.file ? ` for <code>${mdText(opts.file)}</code>` : ''}`, '', `**${summaryLine(plan.summary)}**`, ''];
  if (plan.actions.some((a) => a.status === 'pending')) out.splice(3, 0, budgetLine(plan.budget), '');
  if (plan.selection) out.splice(3, 0, `Partial plan: only ${plan.selection.map((t) => `<code>${mdText(t)}</code>`).join(', ')}; nothing outside the selection is planned or pruned.`, '');
  if (plan.actions.length === 0) out.push('No changes. Live state matches the file.', '');
  else {
    out.push('| | Action | Address | Live id | Changes |', '|:-:|---|---|---|---|');
    for (const a of plan.actions) {
      const note = statusNote(a);
      const changes = [...describeChanges(a).map(mdText), ...(note ? [a.status === 'pending' ? mdText(note) : `**${mdText(note)}**`] : [])].join('<br>');
      out.push(`| \`${symbol(a)}\` | ${a.kind} | <code>${mdText(a.address)}</code> | ${a.id ? `<code>${mdText(a.id)}</code>` : ''} | ${changes} |`);
    }
    out.push('');
  }
  const notes = [...plan.safety.violations.map((v) => `Apply will refuse without --force: ${v.message}`), ...plan.warnings];
  if (notes.length) out.push('> [!WARNING]', ...notes.map((n) => `> ${mdText(n)}`), '');
  if (plan.unmanaged.length) {
    out.push(`<details><summary>${plan.unmanaged.length} unmanaged integration(s), read-only</summary>`, '');
    for (const u of plan.unmanaged) out.push(`- <code>${mdText(u.address)}</code> (${mdText(u.id)}, ${mdText(u.type)}, ${mdText(u.status)})`);
    out.push('', '</details>', '');
  }
  if (opts.diff) {
    // inside a fenced block HTML and mentions are inert; the diff lines are already printable()
    const body = opts.diff.trimEnd();
    const f = fence(body);
    out.push('<details><summary>Diff: live → desired</summary>', '', `${f}diff`, body, f, '', '</details>', '');
  }
  return `${out.join('\n')}`;
}
