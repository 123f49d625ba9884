import type { Plan } from '../../model.js';
import { describeChanges, statusNote, summaryLine, symbol } from './symbols.js';

// For pull-request comments and $GITHUB_STEP_SUMMARY: a table and a collapsed diff.

const cell = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/\n/g, '<br>');

export function renderMarkdown(plan: Plan, opts: { file?: string; diff?: string } = {}): string {
  const out: string[] = [`### cbsync plan${opts.file ? ` for \`${opts.file}\`` : ''}`, '', `**${summaryLine(plan.summary)}**`, ''];
  if (plan.actions.length === 0) out.push('No changes. Live state matches the file.', '');
  else {
    out.push('| | Action | Address | Live id | Changes |', '|:-:|---|---|---|---|');
    for (const a of plan.actions) {
      const note = statusNote(a);
      const changes = [...describeChanges(a), ...(note ? [a.status === 'pending' ? note : `**${note}**`] : [])].map(cell).join('<br>');
      out.push(`| \`${symbol(a)}\` | ${a.kind} | <code>${cell(a.address)}</code> | ${a.id ?? ''} | ${changes} |`);
    }
    out.push('');
  }
  const notes = [...plan.safety.violations.map((v) => `Apply will refuse without \`--force\`: ${v.message}`), ...plan.warnings];
  if (notes.length) out.push('> [!WARNING]', ...notes.map((n) => `> ${cell(n)}`), '');
  if (plan.unmanaged.length) {
    out.push(`<details><summary>${plan.unmanaged.length} unmanaged integration(s), read-only</summary>`, '');
    for (const u of plan.unmanaged) out.push(`- <code>${cell(u.address)}</code> (${u.id}, ${u.type}, ${u.status})`);
    out.push('', '</details>', '');
  }
  if (opts.diff) out.push('<details><summary>Diff: live → desired</summary>', '', '```diff', opts.diff.trimEnd(), '```', '', '</details>', '');
  return `${out.join('\n')}`;
}
