import { createColors } from 'picocolors';
import type { Plan } from '../../model.js';
import { printable as p } from '../../text.js';
import { budgetLine } from '../budget.js';
import { describeChanges, statusNote, summaryLine, symbol } from './symbols.js';

// Every name, id and message may come from a server or a file: each is printed through
// printable(), so no terminal sequence, line break or workflow command gets through.

export interface TextOptions {
  color: boolean;
}

export function renderText(plan: Plan, opts: TextOptions): string {
  const c = createColors(opts.color);
  const paint = (sym: string) =>
    ({ '+': c.green, '~': c.yellow, '-': c.red, '-/+': c.magenta, '!': (s: string) => c.bold(c.red(s)) })[sym] ?? ((s: string) => s);
  const out: string[] = [];
  if (plan.actions.length === 0) out.push('No changes. Live state matches the file.');
  const width = Math.max(0, ...plan.actions.map((a) => a.kind.length));
  for (const a of plan.actions) {
    const sym = symbol(a);
    const id = a.id ? c.dim(` (${p(a.id)})`) : '';
    out.push(`${paint(sym)(sym.padStart(3))} ${a.kind.padEnd(width)}  ${p(a.address)}${id}`);
    for (const ch of describeChanges(a)) out.push(`        ${p(ch)}`);
    const note = statusNote(a);
    if (note) out.push(`        ${a.status === 'pending' ? c.dim(p(note)) : paint('!')(p(note))}`);
  }
  if (plan.unmanaged.length) {
    out.push('', 'Unmanaged (read-only, never changed):');
    for (const u of plan.unmanaged) out.push(`  = ${p(`${u.address} (${u.id}, ${u.type}, ${u.status})`)}`);
  }
  if (plan.warnings.length) {
    out.push('');
    for (const w of plan.warnings) out.push(c.yellow(p(`Warning: ${w}`)));
  }
  if (plan.safety.violations.length) {
    out.push('');
    for (const v of plan.safety.violations) out.push(c.red(p(`Safety: apply will refuse without --force: ${v.message}`)));
  }
  if (plan.selection) out.push('', c.yellow(p(`Partial plan: only ${plan.selection.join(', ')}; nothing outside the selection is planned or pruned.`)));
  out.push('', c.bold(summaryLine(plan.summary)));
  if (plan.actions.some((a) => a.status === 'pending')) out.push(budgetLine(plan.budget));
  return `${out.join('\n')}\n`;
}
