// The shared vocabulary of cbsync. Types only: every folder of src/ may import this file.

export type Mode = 'LIVE' | 'TEST';
export type IntegrationStatus = 'ENABLED' | 'DISABLED';
export const CUSTOM_ORDERS = 'CUSTOM_ORDERS';

/** Where a value stands in the desired-state file (1-based). */
export interface SourcePos {
  line: number;
  col: number;
}

export interface LiveOrganisation {
  id: string;
  name: string;
  mode?: string;
  /** when the server says: decides which of two namesakes is kept (the oldest) */
  created_at?: string;
}

export interface LiveIntegration {
  id: string;
  organisation_id: string;
  name: string;
  type: string;
  status: string;
  merchant_ids: string[];
  created_at?: string;
}

/** partner: admin or group partner key; organisation: a key bound to one organisation. */
export type KeyLevel = 'partner' | 'organisation';

export interface LiveState {
  keyLevel: KeyLevel;
  organisations: LiveOrganisation[];
  integrations: LiveIntegration[];
  /** The partner's mode as read from visible organisations; null when it cannot be read. */
  mode: Mode | null;
  /** For an organisation-level key: the organisation it belongs to, when integrations reveal it. */
  organisationId?: string | null;
  fingerprint: string;
  /** list requests the reading took, by endpoint (for the request budget) */
  listing?: Record<string, number>;
}

export interface DesiredIntegration {
  name: string;
  id?: string;
  status: IntegrationStatus;
  merchant_ids: string[];
  /** the file it is written in */
  file: string;
  /** YAML path in that file, e.g. organisations[0].integrations[1] */
  path: string;
}

export interface DesiredOrganisation {
  name: string;
  id?: string;
  integrations: DesiredIntegration[];
  file: string;
  path: string;
}

export interface DesiredState {
  version: 1;
  mode?: Mode;
  prune: { organisations: boolean; integrations: boolean };
  ignore: { organisations: string[] };
  allowReplace: boolean;
  safety: { maxDestructivePercent: number };
  organisations: DesiredOrganisation[];
  /** the files it was composed from, in order */
  files: string[];
}

export type ActionKind =
  | 'create_organisation'
  | 'rename_organisation'
  | 'create_integration'
  | 'update_integration'
  | 'replace_integration'
  | 'delete_organisation';

export const ACTION_ORDER: readonly ActionKind[] = [
  'create_organisation',
  'rename_organisation',
  'create_integration',
  'update_integration',
  'replace_integration',
  'delete_organisation',
];

export type ActionStatus = 'pending' | 'blocked' | 'unreconcilable';

export interface Change {
  from: unknown;
  to: unknown;
}

/** What every action carries, whatever its kind. */
interface ActionBase {
  /** Stable address, e.g. organisation["Acme Ltd"].integration["Shop orders"]. */
  address: string;
  changes: Record<string, Change>;
  depends_on: string[];
  status: ActionStatus;
  reason?: string;
  /** Blocked actions: the API code that blocks them (e.g. HAS_INTEGRATIONS). */
  code?: string;
  /** the file and YAML path of the entry this action comes from (listed objects only) */
  file?: string;
  path?: string;
}

/** Integration actions name their organisation. */
interface InOrganisation {
  /** the owning organisation's address (resolves a created parent's id) */
  organisation: string;
  /** the owning organisation's live id, null while it is still to be created */
  organisation_id: string | null;
}

/** The fields a created integration is given (the POST body without its organisation). */
export interface IntegrationBody {
  name: string;
  type: 'CUSTOM_ORDERS';
  status: IntegrationStatus;
  merchant_ids: string[];
}

export interface CreateOrganisationAction extends ActionBase {
  kind: 'create_organisation';
  id: null;
  body: { name: string };
}

export interface RenameOrganisationAction extends ActionBase {
  kind: 'rename_organisation';
  id: string;
  body: { name: string };
}

export interface DeleteOrganisationAction extends ActionBase {
  kind: 'delete_organisation';
  id: string;
}

export interface CreateIntegrationAction extends ActionBase, InOrganisation {
  kind: 'create_integration';
  id: null;
  body: IntegrationBody;
}

/** A rename and/or a disable, in one PATCH. */
export interface UpdateIntegrationAction extends ActionBase, InOrganisation {
  kind: 'update_integration';
  id: string;
  body: { name?: string; status?: 'DISABLED' };
}

/** A new integration with the file's fields, then the old one (`id`) disabled unless it is already. */
export interface ReplaceIntegrationAction extends ActionBase, InOrganisation {
  kind: 'replace_integration';
  id: string;
  body: IntegrationBody;
}

export type Action =
  | CreateOrganisationAction
  | RenameOrganisationAction
  | CreateIntegrationAction
  | UpdateIntegrationAction
  | ReplaceIntegrationAction
  | DeleteOrganisationAction;

export interface PlanSummary {
  create: number;
  rename: number;
  disable: number;
  replace: number;
  delete: number;
  blocked: number;
  unreconcilable: number;
}

export interface SafetyViolation {
  kind: 'organisations' | 'integrations' | 'empty_file';
  message: string;
  destructive: number;
  total: number;
}

export interface UnmanagedIntegration {
  address: string;
  id: string;
  type: string;
  status: string;
}

/** What apply of a plan costs in requests, and the least time they take under the known limit. */
export interface Budget {
  requests: number;
  by_endpoint: Record<string, number>;
  /** the rate of the endpoint that bounds the time */
  rate_per_minute: number;
  min_seconds: number;
}

export interface Plan {
  format_version: 1;
  summary: PlanSummary;
  actions: Action[];
  warnings: string[];
  unmanaged: UnmanagedIntegration[];
  safety: { max_destructive_percent: number; violations: SafetyViolation[] };
  key_level: KeyLevel;
  live_fingerprint: string;
  budget: Budget;
  /** the --target addresses of a partial plan; null when the plan covers everything */
  selection: string[] | null;
  /** pins in the file that a replace left behind: `apply --write-ids` updates them */
  stale_pins: StalePin[];
}

/** The file pins `id`, but the integration it stands for is now `live_id` (a replace's successor). */
export interface StalePin {
  file: string;
  path: string;
  name: string;
  id: string;
  live_id: string;
}

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  file: string;
  line: number;
  col: number;
  /** YAML path such as organisations[2].integrations[0].merchant_ids ('' for the document). */
  path: string;
  message: string;
  severity: Severity;
}

// ---- apply's report: what `apply --json` prints (schema/apply-report.schema.json) ----

export type Outcome = 'done' | 'blocked' | 'failed' | 'skipped';

export interface ActionResult {
  address: string;
  kind: ActionKind;
  outcome: Outcome;
  /** the object's id: the new one for creates and replaces */
  id: string | null;
  /** blocked: the API code; failed: the API code if any */
  code?: string;
  /** failed: the HTTP status, when there was one */
  http_status?: number;
  message?: string;
  /** an uncertain POST whose object was found by a listing instead of being created again */
  recovered?: boolean;
  /** what the server did differently from what was asked (e.g. stored another name) */
  notes?: string[];
  /** the file and YAML path of the entry (for --write-ids) */
  file?: string;
  path?: string;
}

/** What a fresh listing after the writes still shows to do, and why. */
export interface Remaining {
  address: string;
  kind: ActionKind | 'plan_error' | 'duplicate';
  reason: string;
}

/**
 * The closing check. `verified` only when a fresh listing, taken once this run's uncertain
 * writes had settled, showed nothing left to do; `not_verified` says why (something left, or
 * the check itself failed); `skipped` with --no-verify or after an interruption.
 */
export interface Verification {
  status: 'verified' | 'not_verified' | 'skipped';
  /** why it is not verified or was skipped */
  reason?: string;
  converged: boolean;
  /** requests the check made (its listings, and any repair) */
  requests: number;
  remaining: Remaining[];
}

export interface IdsWritten {
  file: string;
  written: number;
  /** why nothing was written into this file */
  problems: string[];
  /** written nowhere, and why that is expected (entries read from standard input) */
  note?: string;
}

export interface RequestCost {
  made: number;
  rate_limited: number;
  seconds: number;
  min_seconds: number;
  /** each endpoint: its requests, the rate it ran at, the 429s it met and the time the server held it back */
  by_endpoint: Record<string, EndpointCost>;
}

export interface EndpointCost {
  requests: number;
  /** requests per minute from its first request to its last (null with fewer than two) */
  per_minute: number | null;
  rate_limited: number;
  /** seconds it waited because the server held it back (after a 429, or a spent budget) */
  waited_seconds: number;
}

export interface ApplyReport {
  format_version: 1;
  results: ActionResult[];
  /** duplicates this run created beside another writer's, removed by the rule both agree on */
  repairs: ActionResult[];
  summary: Record<Outcome, number>;
  verification: Verification;
  /** Ctrl-C or SIGTERM stopped the run: no new action started after it */
  interrupted: boolean;
  requests: RequestCost;
  /** --write-ids: what was written into each file */
  ids_written?: IdsWritten[];
}
