import { CUSTOM_ORDERS, type LiveIntegration, type LiveOrganisation } from '../model.js';
import { ORGANISATIONS, type Collection } from '../api.js';
import { ApiError } from './errors.js';

// What comes over the wire is checked once, where it enters: an object without the fields
// the API promises stops the run (a missing name must never read as "no such organisation",
// a missing status never as "disabled"). Unknown fields are ignored; integrations cbsync does
// not manage are read with only the fields it needs of them.

/** An id that can stand in a URL path: non-empty, not `.` or `..`, no `/`. */
export function isValidId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v !== '.' && v !== '..' && !v.includes('/');
}

type Obj = Record<string, unknown>;

/** `where` names the request the object came from, e.g. `GET /v1/organisations`. */
function fail(where: string, what: string, obj: unknown, problem: string): never {
  const id = obj && typeof obj === 'object' && typeof (obj as Obj).id === 'string' ? ` ${JSON.stringify((obj as Obj).id)}` : '';
  const [method, ...path] = where.split(' ');
  throw new ApiError(`${what}${id} ${problem}`, { method: method!, path: path.join(' '), kind: 'invalid_answer' });
}

function fieldProblem(o: Obj, field: string, expected: string): string {
  const present = Object.keys(o).sort().join(', ') || 'no fields';
  return field in o ? `has "${field}" that is not ${expected}` : `has no "${field}" (it has ${present})`;
}

function requireObject(raw: unknown, where: string, what: string): Obj {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail(where, what, null, `is ${raw === null ? 'null' : Array.isArray(raw) ? 'a list' : typeof raw}, not an object`);
  const o = raw as Obj;
  if (!isValidId(o.id)) fail(where, what, null, 'id' in o ? `has an id that cannot be used (${JSON.stringify(o.id)})` : fieldProblem(o, 'id', 'a string'));
  return o;
}

function str(o: Obj, field: string, where: string, what: string): string {
  const v = o[field];
  if (typeof v !== 'string') fail(where, what, o, fieldProblem(o, field, 'a string'));
  return v;
}

const created = (o: Obj) => (typeof o.created_at === 'string' ? { created_at: o.created_at } : {});

export function decodeOrganisation(raw: unknown, where: string): LiveOrganisation {
  const o = requireObject(raw, where, 'organisation');
  const name = str(o, 'name', where, 'organisation');
  return { id: o.id as string, name, ...(typeof o.mode === 'string' ? { mode: o.mode } : {}), ...created(o) };
}

/** What an unmanaged integration shows in place of a name or status it does not have. */
export const NO_NAME = '(no name)';
export const NO_STATUS = '(no status)';

/**
 * CUSTOM_ORDERS integrations, which cbsync manages, are read strictly. Others (G6) are read
 * with only what cbsync needs of them: id, organisation and type (an organisation with any
 * integration cannot be deleted), name and status to show them, with a placeholder when
 * absent. Their other fields may be anything; their merchant ids are not read.
 */
export function decodeIntegration(raw: unknown, where: string): LiveIntegration {
  const o = requireObject(raw, where, 'integration');
  const organisation_id = str(o, 'organisation_id', where, 'integration');
  if (!isValidId(organisation_id)) fail(where, 'integration', o, `has an organisation_id that cannot be used (${JSON.stringify(organisation_id)})`);
  const type = str(o, 'type', where, 'integration');
  if (type !== CUSTOM_ORDERS) {
    const text = (v: unknown, none: string) => (typeof v === 'string' ? v : none);
    return { id: o.id as string, organisation_id, name: text(o.name, NO_NAME), type, status: text(o.status, NO_STATUS), merchant_ids: [], ...created(o) };
  }
  const m = o.merchant_ids;
  if (!Array.isArray(m) || m.some((x) => typeof x !== 'string')) fail(where, 'integration', o, fieldProblem(o, 'merchant_ids', 'a list of strings'));
  return {
    id: o.id as string,
    organisation_id,
    name: str(o, 'name', where, 'integration'),
    type,
    status: str(o, 'status', where, 'integration'),
    merchant_ids: [...(m as string[])],
    ...created(o),
  };
}

export const decoderFor = (collection: Collection) => (collection === ORGANISATIONS ? decodeOrganisation : decodeIntegration);
