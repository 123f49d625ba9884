// The emulator's choices of answer, for the command line: nothing is imported here, so
// `cbsync --help` does not load the emulator.

/** how a slow write is answered: nginx's 504 page, or a dropped connection */
export const SLOW_COMMIT_ANSWERS = ['504', 'drop'] as const;
export type SlowCommitAnswer = (typeof SLOW_COMMIT_ANSWERS)[number];
/** how reads fail after --fail-reads-after-writes: 503 in the error shape, or nginx's 502 page */
export const FAILED_READ_ANSWERS = ['503', '502'] as const;
export type FailedReadAnswer = (typeof FAILED_READ_ANSWERS)[number];
/** rate headers on every answer (see ratelimit.ts) */
export const RATE_HEADER_STYLES = ['ietf', 'ietf-draft7', 'x', 'x-epoch', 'x-epoch-ms', 'none'] as const;
export type RateHeaderStyle = (typeof RATE_HEADER_STYLES)[number];
/** a sliding window, or fixed windows counted from the start */
export const RATE_WINDOW_KINDS = ['sliding', 'fixed'] as const;
export type RateWindowKind = (typeof RATE_WINDOW_KINDS)[number];
export const LIST_SHAPES = ['items', 'results', 'data', 'array'] as const;
export type ListShape = (typeof LIST_SHAPES)[number];
/** The shapes an API server writes its own errors in (each keeps the message). */
export const ERROR_SHAPES = ['code', 'detail', 'detail-object', 'detail-list', 'error', 'errors', 'text'] as const;
/** ...and `html`: a gateway in front of it answers every error with its own page (status only). */
export const ERROR_SHAPE_CHOICES = [...ERROR_SHAPES, 'html'] as const;
export type ErrorShape = (typeof ERROR_SHAPE_CHOICES)[number];
