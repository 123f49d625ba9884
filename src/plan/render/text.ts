import { createColors } from 'picocolors';
import type { Plan } from '../../model.js';
import { describeChanges, statusNote, summaryLine, symbol } from './symbols.js';

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
    const id = a.id ? c.dim(` (${a.id})`) : '';
    out.push(`${paint(sym)(sym.padStart(3))} ${a.kind.padEnd(width)}  ${a.address}${id}`);
    for (const ch of describeChanges(a)) out.push(`        ${ch}`);
    const note = statusNote(a);
    if (note) out.push(`        ${a.status === 'pending' ? c.dim(note) : paint('!')(note)}`);
  }
  if (plan.unmanaged.length) {
    out.push('', 'Unmanaged (read-only, never changed):');
    for (const u of plan.unmanaged) out.push(`  = ${u.address} (${u.id}, ${u.type}, ${u.status})`);
  }
  if (plan.warnings.length) {
    out.push('');
    for (const w of plan.warnings) out.push(c.yellow(`Warning: ${w}`));
  }
  if (plan.safety.violations.length) {
    out.push('');
    for (const v of plan.safety.violations) out.push(c.red(`Safety: apply will refuse without --force: ${v.message}`));
  }
  out.push('', c.bold(summaryLine(plan.summary)));
  return `${out.join('\n')}\n`;
}
