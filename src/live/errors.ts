// One error type for the API, readable from every error body shape a server may send.

export type FailureKind =
  | 'http'
  | 'network'
  | 'timeout'
  | 'refused'
  | 'unresolved'
  /** the server's TLS certificate was refused (untrusted issuer, expired, another host's): never retried */
  | 'certificate'
  /** the TLS handshake failed (a plain http port, no version or cipher in common): nothing was sent, never retried */
  | 'tls'
  /** the proxy refused the tunnel (CONNECT answered other than 200): the request never reached the API */
  | 'proxy'
  | 'non_json'
  /** an answer without the fields the API promises (checked where it enters) */
  | 'invalid_answer'
  /** an answer larger than the client accepts: refused, never retried */
  | 'too_large'
  /** a redirect that is not followed (any write; a read to another origin) */
  | 'redirect'
  /** a rate-limit wait longer than --max-wait: refused, not waited */
  | 'rate_limited'
  /** the run was interrupted (Ctrl-C, SIGTERM) while the request waited for its turn: not sent */
  | 'interrupted'
  /** cbsync's own --max-rpm would hold it longer than --max-wait: not sent (the server said nothing) */
  | 'not_sent'
  | 'incomplete_listing';

/** The head of a one-line summary when there is no HTTP status to show. */
const KIND_LABELS: Record<FailureKind, string> = {
  http: 'http',
  network: 'network',
  timeout: 'timeout',
  refused: 'refused',
  unresolved: 'unresolved',
  certificate: 'certificate',
  tls: 'TLS',
  proxy: 'proxy',
  non_json: 'non-JSON',
  invalid_answer: 'invalid answer',
  too_large: 'too large',
  redirect: 'redirect',
  rate_limited: 'rate limited',
  interrupted: 'interrupted',
  not_sent: 'not sent',
  incomplete_listing: 'incomplete listing',
};

export interface ApiErrorOptions {
  method: string;
  /** the request path (with its query), never the key */
  path: string;
  status?: number | null;
  code?: string | null;
  kind?: FailureKind;
  /** a write whose outcome is unknown (timeout, dropped connection, 5xx on POST) */
  ambiguous?: boolean;
  /** how long the failed attempt took, in ms: a write still in flight may land this long after it was sent */
  elapsedMs?: number;
}

/** A request that failed, or an answer that cannot be used: always names the request. */
export class ApiError extends Error {
  readonly method: string;
  readonly path: string;
  readonly status: number | null;
  readonly code: string | null;
  readonly kind: FailureKind;
  readonly ambiguous: boolean;
  readonly elapsedMs: number | undefined;

  constructor(message: string, opts: ApiErrorOptions) {
    super(message);
    this.name = 'ApiError';
    this.method = opts.method;
    this.path = opts.path;
    this.status = opts.status ?? null;
    this.code = opts.code ?? null;
    this.kind = opts.kind ?? 'http';
    this.ambiguous = opts.ambiguous ?? false;
    this.elapsedMs = opts.elapsedMs;
  }

  /** The same failure told differently (a message that adds what the caller knows). */
  withMessage(message: string, changes: Partial<ApiErrorOptions> = {}): ApiError {
    return new ApiError(message, { method: this.method, path: this.path, status: this.status, code: this.code, kind: this.kind, ambiguous: this.ambiguous, elapsedMs: this.elapsedMs, ...changes });
  }

  /** One line for people: `POST /v1/integrations: 422 INVALID_MERCHANT_IDS: ...` */
  get summary(): string {
    const head = this.status !== null ? `${this.status}${this.code ? ` ${this.code}` : ''}` : KIND_LABELS[this.kind];
    return `${this.method} ${this.path}: ${head}: ${this.message}`;
  }
}

/** Configuration or request building that cannot work (a bad URL, a missing key, an unusable id): no request was sent. */
export class ConfigError extends Error {
  readonly code = 'CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface ErrorInfo {
  code: string | null;
  message: string;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Reads {code,message}, {detail}, {detail:{code,message}}, {detail:[...]}, {error:{...}}, {errors:[...]} and plain text. */
export function readErrorBody(text: string): ErrorInfo {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    if (isHtml(text)) return { code: null, message: describeText(text) };
    const line = firstLine(text);
    const m = /^([A-Z][A-Z0-9_]{2,}):\s*(.*)$/.exec(line);
    if (m) return { code: m[1]!, message: m[2]! };
    return { code: null, message: line ? `non-JSON answer: ${describeText(text)}` : 'empty answer' };
  }
  if (typeof data === 'string') return { code: null, message: data };
  if (typeof data !== 'object' || data === null) return { code: null, message: String(data) };
  const o = data as Record<string, any>;
  if (str(o.code) || str(o.message)) return { code: str(o.code), message: str(o.message) ?? str(o.code)! };
  if (typeof o.detail === 'string') return { code: null, message: o.detail };
  if (Array.isArray(o.detail)) {
    const parts = o.detail.map((d: any) => {
      const loc = Array.isArray(d?.loc) ? `${d.loc.filter((x: unknown) => x !== 'body').join('.')}: ` : '';
      return `${loc}${str(d?.msg) ?? str(d?.message) ?? JSON.stringify(d)}`;
    });
    return { code: str(o.detail[0]?.code) ?? str(o.detail[0]?.type), message: parts.join('; ') };
  }
  if (o.detail && typeof o.detail === 'object') return { code: str(o.detail.code), message: str(o.detail.message) ?? JSON.stringify(o.detail) };
  if (typeof o.error === 'string') return { code: null, message: o.error };
  if (o.error && typeof o.error === 'object') return { code: str(o.error.code), message: str(o.error.message) ?? JSON.stringify(o.error) };
  if (Array.isArray(o.errors) && o.errors.length > 0) {
    const parts = o.errors.map((e: any) => `${e?.field ? `${e.field}: ` : ''}${str(e?.message) ?? JSON.stringify(e)}`);
    return { code: str(o.errors[0]?.code), message: parts.join('; ') };
  }
  const fields = fieldMessages(o);
  if (fields) return { code: null, message: fields };
  return { code: null, message: JSON.stringify(o).slice(0, 200) };
}

/**
 * Field-keyed validation bodies, as Django REST Framework answers 400:
 * `{"name": ["This field may not be blank."]}` -> `name: This field may not be blank.`
 */
function fieldMessages(o: Record<string, unknown>, prefix = ''): string | null {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    const field = k === 'non_field_errors' || k === '__all__' ? prefix.replace(/\.$/, '') : `${prefix}${k}`;
    const head = field ? `${field}: ` : '';
    if (typeof v === 'string') parts.push(`${head}${v}`);
    else if (Array.isArray(v) && v.length && v.every((x) => typeof x === 'string')) parts.push(`${head}${v.join(' ')}`);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      const inner = fieldMessages(v as Record<string, unknown>, `${prefix}${k}.`);
      if (!inner) return null;
      parts.push(inner);
    } else return null;
  }
  return parts.length ? parts.join('; ') : null;
}

const MAX_SHOWN = 200;
const cut = (s: string, n = MAX_SHOWN) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const firstLine = (text: string) => text.trim().split(/\r?\n|\r/)[0]?.trim() ?? '';
const isHtml = (text: string) => /^\s*(<!--[\s\S]*?-->\s*)*<(!doctype\s+html|html|head|body|title)\b/i.test(text);

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
const decodeEntities = (s: string) =>
  s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    const n = e[0] === '#' ? (e[1]?.toLowerCase() === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10)) : NaN;
    if (!Number.isNaN(n)) return n > 0 && n <= 0x10ffff ? String.fromCodePoint(n) : m;
    return ENTITIES[e.toLowerCase()] ?? m;
  });

/** Markup to its words: no comments, scripts or styles, one space between words. */
const htmlWords = (html: string) =>
  decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();

/**
 * A body that is not JSON, told in a few words: a gateway's HTML page by its <title> (or its
 * first text), anything else by its first line ('' when empty); short, and on one line.
 * (Printing escapes whatever control characters are left.)
 */
export function describeText(whole: string): string {
  const text = whole.slice(0, 64 * 1024); // the head tells; the regexes never see megabytes
  if (isHtml(text)) {
    const title = /<title[^>]*>([\s\S]*?)<\/title\s*>/i.exec(text);
    const words = htmlWords(title?.[1] ?? '') || htmlWords(text.replace(/<head\b[\s\S]*?<\/head\s*>/i, ' '));
    return words ? `HTML page: ${cut(words, 120)}` : 'HTML page without text';
  }
  return cut(firstLine(text));
}
