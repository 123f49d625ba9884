import type { Caller } from './keys.js';
import { createIntegration, getIntegration, integrationJson, listIntegrations, patchIntegration } from './integrations.js';
import { createOrg, deleteOrg, getOrg, listOrgs, orgJson, patchOrg } from './organisations.js';
import { ApiProblem } from './problem.js';
import { listBody } from './shapes.js';
import type { Emulation } from './handler.js';

// The two API pages' endpoints: which paths exist, which methods each takes, and which rule
// of the store answers each.

const DEFAULT_LIMIT = 50;

export interface Route {
  template: string;
  methods: string[];
  id?: string;
}

/** What an endpoint answers: status and body (null for 204). */
export type Result = [status: number, body: unknown];

export function matchRoute(pathname: string): Route | undefined {
  const m = /^\/v1\/(organisations|integrations)(?:\/([^/]+))?\/?$/.exec(pathname);
  if (!m) return undefined;
  const [, resource, id] = m;
  if (id === undefined) return { template: `/v1/${resource}`, methods: ['GET', 'POST'] };
  const methods = resource === 'organisations' ? ['GET', 'PATCH', 'DELETE'] : ['GET', 'PATCH'];
  return { template: `/v1/${resource}/{id}`, methods, id: decodeURIComponent(id) };
}

export interface Call {
  caller: Caller;
  method: string;
  route: Route;
  url: URL;
  body: unknown;
  /** origin used in `next`/`previous` links */
  origin: string;
}

export function dispatch(em: Emulation, c: Call): Result {
  const s = em.store;
  const { caller, route, body } = c;
  switch (`${c.method} ${route.template}`) {
    case 'GET /v1/organisations':
      return [200, page(em, c, () => listOrgs(s, caller), orgJson)];
    case 'POST /v1/organisations':
      return [201, orgJson(createOrg(s, caller, body))];
    case 'GET /v1/organisations/{id}':
      return [200, orgJson(getOrg(s, caller, route.id!))];
    case 'PATCH /v1/organisations/{id}':
      return [200, orgJson(patchOrg(s, caller, route.id!, body))];
    case 'DELETE /v1/organisations/{id}':
      deleteOrg(s, caller, route.id!);
      return [204, null];
    case 'GET /v1/integrations':
      return [200, page(em, c, () => listIntegrations(s, caller), integrationJson)];
    case 'POST /v1/integrations':
      return [201, integrationJson(createIntegration(s, caller, body))];
    case 'GET /v1/integrations/{id}':
      return [200, integrationJson(getIntegration(s, caller, route.id!))];
    case 'PATCH /v1/integrations/{id}':
      return [200, integrationJson(patchIntegration(s, caller, route.id!, body))];
  }
  throw new ApiProblem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed');
}

/** One list page: slice first, serialise only the page (a page costs its own size, not the collection's). */
function page<T>(em: Emulation, c: Call, list: () => T[], toJson: (x: T) => unknown): unknown {
  const limit = Math.min(intParam(c.url, 'limit') ?? DEFAULT_LIMIT, em.options.maxPageSize ?? Infinity);
  const offset = intParam(c.url, 'offset') ?? 0;
  let all = list(); // checks the caller may list at all
  const collection = c.route.template === '/v1/organisations' ? 'organisations' : 'integrations';
  if (em.faults.churn(em.store, c.caller, collection, offset)) all = list();
  const items = all.slice(offset, offset + limit).map(toJson);
  em.stats.itemsListed += items.length;
  const pageUrl = (o: number) => `${c.origin}${c.route.template}?limit=${limit}&offset=${o}`;
  return listBody(em.options.listShape ?? 'items', { items, count: all.length, offset, limit, pageUrl });
}

function intParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new ApiProblem(400, 'INVALID_PAGINATION', `${name} must be a non-negative integer`, name);
  }
  return Number(raw);
}
