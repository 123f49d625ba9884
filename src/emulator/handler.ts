import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Faults } from './faults.js';
import { parseJson, readBody, sleep, type Replies } from './http.js';
import type { IdempotencyKeys } from './idempotency.js';
import type { Caller } from './keys.js';
import { ApiProblem } from './problem.js';
import { dispatch, matchRoute, type Call, type Result } from './router.js';
import type { EmulatorOptions, EmulatorStats } from './server.js';
import type { Store } from './store.js';

// One request's way through the emulator: route, latency, method, key, rate limit, body,
// faults, the test hook, then the endpoint (a write perhaps slow, ambiguous or replayed).

export interface Emulation {
  options: EmulatorOptions;
  store: Store;
  stats: EmulatorStats;
  faults: Faults;
  replies: Replies;
  /** set when --idempotency is on */
  idempotency?: IdempotencyKeys;
  /** answers 429 and returns true when the bucket is over its limit */
  rateLimit: (bucket: string, res: ServerResponse) => boolean;
  /** how often each request identity was seen (faults are fates of the n-th occurrence) */
  occurrences: Map<string, number>;
}

export async function handleRequest(em: Emulation, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { stats, replies } = em;
  const method = req.method ?? 'GET';
  const url = new URL(req.url ?? '/', 'http://emulator');
  stats.requests++;
  const route = matchRoute(url.pathname);
  if (!route) return replies.problem(res, new ApiProblem(404, 'NOT_FOUND', `No such endpoint: ${url.pathname}`));
  const endpoint = `${method} ${route.template}`;
  stats.byEndpoint[endpoint] = (stats.byEndpoint[endpoint] ?? 0) + 1;
  if (em.options.latencyMs) await sleep(em.options.latencyMs);
  if (!route.methods.includes(method)) {
    const p = new ApiProblem(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed on ${route.template}`);
    return replies.problem(res, p, { allow: route.methods.join(', ') });
  }
  let caller: Caller;
  try {
    caller = em.store.authenticate(req.headers.authorization);
  } catch (e) {
    return replies.problem(res, e as ApiProblem);
  }
  if (em.rateLimit(`${caller.owner}|${endpoint}`, res)) return;
  let text: string;
  try {
    text = await readBody(req);
  } catch (e) {
    res.setHeader('connection', 'close');
    return replies.problem(res, e as ApiProblem);
  }
  const origin = em.options.nextOrigin ?? `http://${req.headers.host ?? 'localhost'}`;
  const call: Call = { caller, method, route, url, body: undefined, origin };
  return answer(em, call, endpoint, text, req, res);
}

async function answer(em: Emulation, call: Call, endpoint: string, text: string, req: IncomingMessage, res: ServerResponse) {
  const { method, url } = call;
  const identity = `${method} ${url.pathname}${url.search} ${text}`;
  const n = (em.occurrences.get(identity) ?? 0) + 1;
  em.occurrences.set(identity, n);
  const refused = em.faults.refusal(method, identity, n);
  if (refused) return em.replies.problem(res, refused);
  const forced = await em.options.onRequest?.({ method, endpoint, path: url.pathname, query: url.searchParams }, em.store);
  if (forced) return em.replies.problem(res, new ApiProblem(forced.status, forced.code, forced.message));
  try {
    call.body = parseJson(method, text);
    if (method === 'GET') return send(em, res, dispatch(em, call));
    return write(em, call, { identity, n, text }, req, res);
  } catch (e) {
    if (e instanceof ApiProblem) return em.replies.problem(res, e);
    em.replies.problem(res, new ApiProblem(500, 'INTERNAL', 'Internal emulator error'));
  }
}

/** A write: perhaps replayed (Idempotency-Key), slow (lands later) or ambiguous (applied, then dropped). */
function write(em: Emulation, call: Call, seen: { identity: string; n: number; text: string }, req: IncomingMessage, res: ServerResponse) {
  const key = call.method === 'POST' ? req.headers['idempotency-key'] : undefined;
  const claim = em.idempotency?.claim(call.caller.key, typeof key === 'string' ? key : undefined, `${call.url.pathname}\n${seen.text}`);
  if (claim?.replay) {
    em.stats.replayed++;
    return send(em, res, claim.replay, { 'idempotent-replayed': 'true' });
  }
  const commit = (): Result => {
    try {
      const result = dispatch(em, call);
      em.faults.wrote();
      claim?.settle(result);
      return result;
    } catch (e) {
      claim?.settle(undefined);
      throw e;
    }
  };
  const slow = em.faults.slowCommit(seen.identity, seen.n, () => {
    try {
      commit();
    } catch {
      // refused when it lands: nobody is told, as behind a gateway that gave up waiting
    }
  });
  if (slow === 'drop') return void req.socket.destroy();
  if (slow) return em.replies.problem(res, slow);
  const result = commit();
  if (em.faults.ambiguous(seen.identity, seen.n)) return void req.socket.destroy(); // the write took effect; the client never hears
  send(em, res, result);
}

function send(em: Emulation, res: ServerResponse, [status, body]: Result, headers?: Record<string, string>) {
  em.replies.json(res, status, body, headers);
}
