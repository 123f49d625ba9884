import { Document, YAMLMap, YAMLSeq } from 'yaml';
import { CUSTOM_ORDERS, type LiveIntegration, type LiveState } from '../model.js';
import { groupBy } from '../group.js';
import { byText as cmp, fileName, orgNameKey } from '../names.js';

// Live state written as a desired-state file: every id pinned, names as a user writes them,
// stable order, so that `export` then `plan` of its output plans no change.

export interface Exported {
  text: string;
  /** what the file cannot say faithfully (it is still written) */
  warnings: string[];
}

export interface ExportOptions {
  /** the schema for editors' modeline, as a path relative to the written file */
  schema?: string;
}

const DEFAULT_SCHEMA = 'node_modules/cbsync/schema/desired-state.schema.json';

interface OrgEntry {
  data: { name: string; id: string; integrations: { name: string; id: string; status: string; merchant_ids: string[] }[] };
  comment: string | null;
}

/** Every organisation as a file entry, in a stable order, with what the file cannot say as comments. */
function organisationEntries(live: LiveState): { entries: OrgEntry[]; warnings: string[] } {
  const warnings: string[] = [];
  const orgs =
    live.keyLevel === 'organisation'
      ? live.organisationId
        ? [{ id: live.organisationId, name: live.organisationId }]
        : []
      : [...live.organisations].sort((a, b) => cmp(orgNameKey(a.name), orgNameKey(b.name)) || cmp(a.id, b.id));
  const byOrg = groupBy(live.integrations, (i) => i.organisation_id);
  /** the name to write, with a warning when characters the file cannot hold were dropped */
  const written = (raw: string, what: string, id: string, prefixed: boolean) => {
    const { name, changed } = fileName(raw, prefixed);
    if (changed) warnings.push(`${what} ${id} is named ${JSON.stringify(raw)}, which holds characters a file cannot: written as ${JSON.stringify(name || id)}, and the first apply renames it`);
    return name || id;
  };
  const entries = orgs.map((o): OrgEntry => {
    const { listed, history, unmanaged } = splitIntegrations(byOrg.get(o.id) ?? []);
    const notes: string[] = [];
    for (const i of unmanaged) notes.push(` unmanaged ${i.type} integration ${JSON.stringify(i.name)} (${i.id}, ${i.status}): read-only, never changed`);
    for (const i of history) {
      if (i.status !== 'ENABLED') notes.push(` disabled namesake ${JSON.stringify(i.name)} (${i.id}): history, needs nothing`);
      else {
        // the file holds one integration per name: an ENABLED namesake cannot be listed
        notes.push(` ENABLED namesake ${JSON.stringify(i.name)} (${i.id}): a file lists one integration per name, so apply would disable this one`);
        warnings.push(`integration ${i.id} of organisation ${o.id} is ENABLED and named like ${JSON.stringify(i.name)}, which the file lists with another id: apply would disable it (rename one of them first to keep both)`);
      }
    }
    return {
      data: {
        name: live.keyLevel === 'organisation' ? o.name : written(o.name, 'organisation', o.id, true),
        id: o.id,
        integrations: listed.map((i) => ({ name: written(i.name, 'integration', i.id, false), id: i.id, status: i.status, merchant_ids: [...i.merchant_ids] })),
      },
      comment: notes.length ? notes.join('\n') : null,
    };
  });
  return { entries, warnings: [...duplicateNames(orgs), ...warnings] };
}

/** The settings a written state carries (`version`, and `mode` when it can be read). */
const settingsOf = (live: LiveState): Record<string, unknown> => ({ version: 1, ...(live.mode ? { mode: live.mode } : {}) });

function render(data: Record<string, unknown>, entries: OrgEntry[] | null, header: string): string {
  const doc = new Document(entries ? { ...data, organisations: entries.map((e) => e.data) } : data);
  doc.commentBefore = header;
  if (entries) {
    const seq = doc.get('organisations', true) as YAMLSeq<YAMLMap>;
    seq.items.forEach((node, i) => {
      const c = entries[i]!.comment;
      if (c) node.comment = c;
      const ints = node.get('integrations', true) as unknown as YAMLSeq<YAMLMap>;
      for (const item of ints.items) (item.get('merchant_ids', true) as unknown as YAMLSeq).flow = true;
    });
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

const header = (live: LiveState, schema: string, what: string) =>
  ` yaml-language-server: $schema=${schema}\n Written by \`cbsync export\`: ${what}` +
  (live.keyLevel === 'organisation' ? '\n Organisation-level key: the organisation name cannot be read, so its id stands as its name.' : '');

/** Live state as one desired-state file. */
export function exportDocument(live: LiveState, opts: ExportOptions = {}): Exported {
  const { entries, warnings } = organisationEntries(live);
  return { text: render(settingsOf(live), entries, header(live, opts.schema ?? DEFAULT_SCHEMA, 'live state with every id pinned.')), warnings };
}

export interface ExportedFiles {
  /** relative paths in the directory, settings first, then one per organisation */
  files: { path: string; text: string }[];
  warnings: string[];
}

export const SETTINGS_FILE = 'settings.yaml';

/**
 * Live state as a directory: one settings file, and one file per organisation named after
 * it (a stable, safe name; collisions get -2, -3 in the organisations' order).
 */
export function exportFiles(live: LiveState, opts: { schema?: (path: string) => string } = {}): ExportedFiles {
  const { entries, warnings } = organisationEntries(live);
  const schema = (p: string) => opts.schema?.(p) ?? DEFAULT_SCHEMA;
  const taken = new Set([SETTINGS_FILE]);
  const files = [{ path: SETTINGS_FILE, text: render(settingsOf(live), null, header(live, schema(SETTINGS_FILE), 'the settings of a state kept one file per organisation.')) }];
  for (const e of entries) {
    const path = fileSlug(e.data.name, taken);
    files.push({ path, text: render({}, [e], header(live, schema(path), `organisation ${e.data.id}, every id pinned.`)) });
  }
  return { files, warnings };
}

/** `Acme Ltd. (EU)` -> `acme-ltd-eu.yaml`: ASCII letters and digits, unique among `taken`. */
export function fileSlug(name: string, taken: Set<string>): string {
  const base =
    name
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || 'organisation';
  let path = `${base}.yaml`;
  for (let n = 2; taken.has(path); n++) path = `${base}-${n}.yaml`;
  taken.add(path);
  return path;
}

/** Live names that collide as the file compares them: the file needs them unique, so say so. */
function duplicateNames(orgs: { id: string; name: string }[]): string[] {
  return [...groupBy(orgs, (o) => orgNameKey(o.name))]
    .filter(([, group]) => group.length > 1)
    .map(([name, group]) => `organisations ${group.map((o) => o.id).join(', ')} share the name ${JSON.stringify(name)} (ignoring [TEST]); the file will not validate until one is renamed`);
}

/**
 * The file allows one integration per name in an organisation. Per name, the ENABLED one is
 * listed (or, when all are DISABLED, the first by id); other namesakes are history.
 */
function splitIntegrations(all: LiveIntegration[]) {
  const unmanaged = all.filter((i) => i.type !== CUSTOM_ORDERS).sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id));
  const managed = all.filter((i) => i.type === CUSTOM_ORDERS).sort((a, b) => cmp(a.name, b.name) || cmp(a.id, b.id));
  const listed: LiveIntegration[] = [];
  const history: LiveIntegration[] = [];
  for (const group of groupBy(managed, (i) => fileName(i.name, false).name).values()) {
    const pick = group.find((i) => i.status === 'ENABLED') ?? group[0]!;
    listed.push(pick);
    history.push(...group.filter((i) => i !== pick));
  }
  return { listed, history, unmanaged };
}
