import type { Action } from '../../model.js';

/** Terraform-style symbol of an action. */
export function symbol(a: Action): string {
  if (a.status !== 'pending') return '!';
  switch (a.kind) {
    case 'create_organisation':
    case 'create_integration':
      return '+';
    case 'replace_integration':
      return '-/+';
    case 'delete_organisation':
      return '-';
    default:
      return '~';
  }
}

/** Names are quoted (they may hold spaces); enum values such as ENABLED are not. */
const show = (v: unknown) =>
  Array.isArray(v) ? `[${v.join(', ')}]` : typeof v === 'string' && !/^[A-Z_]+$/.test(v) ? JSON.stringify(v) : String(v);

/** `name: "a" -> "b"`, or `name: "b"` for a create. */
export function describeChanges(a: Action): string[] {
  return Object.entries(a.changes)
    .filter(([, c]) => !(a.kind === 'delete_organisation' && c.to === null))
    .map(([field, c]) => (c.from === null ? `${field}: ${show(c.to)}` : `${field}: ${show(c.from)} -> ${show(c.to)}`));
}

/** Why an action is not pending, as one phrase. */
export function statusNote(a: Action): string | null {
  if (a.status === 'blocked') return `blocked${a.code ? ` (${a.code})` : ''}: ${a.reason ?? ''}`;
  if (a.status === 'unreconcilable') return `unreconcilable: ${a.reason ?? ''}`;
  return a.reason ?? null;
}

export function summaryLine(s: { create: number; rename: number; disable: number; replace: number; delete: number; blocked: number; unreconcilable: number }): string {
  return `Plan: ${s.create} to create, ${s.rename} to rename, ${s.disable} to disable, ${s.replace} to replace, ${s.delete} to delete, ${s.blocked} blocked, ${s.unreconcilable} unreconcilable.`;
}
