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

export interface Action {
  kind: ActionKind;
  address: string;
  /** Live id of the object acted on (null for creates). */
  id: string | null;
  /** Integration actions: the owning organisation's live id, null while it is still to be created. */
  organisation_id?: string | null;
  /** Integration actions: the owning organisation's address (resolves a created parent's id). */
  organisation?: string;
  changes: Record<string, Change>;
  /** The request body the action sends (creates: POST; updates and renames: PATCH). */
  body?: Record<string, unknown>;
  depends_on: string[];
  status: ActionStatus;
  reason?: string;
  /** Blocked actions: the API code that blocks them (e.g. HAS_INTEGRATIONS). */
  code?: string;
  /** the file and YAML path of the entry this action comes from (listed objects only) */
  file?: string;
  path?: string;
}

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
