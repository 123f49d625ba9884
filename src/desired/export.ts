import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Document, Scalar, visit, YAMLMap, YAMLSeq, type Tags } from 'yaml';
import { CUSTOM_ORDERS, type LiveIntegration, type LiveState } from '../model.js';
import { groupBy } from '../group.js';
import { fileName, orgNameKey } from '../names.js';
import { byText as cmp } from '../text.js';
import { SCHEMA_DIR } from './schema.js';

// Live state written as a desired-state file: every id pinned, names as a user writes them,
// stable order, so that `export` then `plan` of its output plans no change. Every string is
// written so that YAML 1.1 readers (yamllint, PyYAML) read the same string as YAML 1.2 ones
// (`yes`, `on`, `0o17`, `1_000`, `2001-12-14` are quoted). Each file's header records a hash
// of what export wrote, so that `export -o` replaces only a file it wrote and nobody edited.

export interface Exported {
  text: string;
  /** what the file cannot say faithfully (it is still written) */
  warnings: string[];
}

export interface ExportOptions {
  /** the schema for editors' modeline: a URL, or a path relative to the written file (default: defaultSchema()) */
  schema?: string;
}

let schemaId: string | undefined;
/**
 * The modeline's default: the desired-state schema's `$id`, the versioned URL of the schema in
 * the published package. It stays valid after any install and in git (a machine path does not).
 */
export function defaultSchema(): string {
  schemaId ??= (JSON.parse(readFileSync(new URL('desired-state.schema.json', SCHEMA_DIR), 'utf8')) as { $id: string }).$id;
  return schemaId;
}

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

/** Plain scalars the YAML 1.1 schema writes plain but YAML 1.2 reads as a number (`0o17`), or PyYAML refuses (`=`). */
const QUOTE_TOO = /^(?:[-+]?0o[0-7]+|=|<<)$/;
const withoutMerge = (tags: Tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:merge');

function render(data: Record<string, unknown>, entries: OrgEntry[] | null, header: string): string {
  // written with the YAML 1.1 schema: it quotes every string a 1.1 reader would take for a
  // boolean, number, date or null, a superset of what 1.2 would (save QUOTE_TOO); no %YAML line.
  // Without its merge tag, which would write the string `<<` plain whatever its quoting.
  const doc = new Document(entries ? { ...data, organisations: entries.map((e) => e.data) } : data, { version: '1.1', customTags: withoutMerge });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && (QUOTE_TOO.test(node.value) || node.value.includes('##['))) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
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
  // `##[` only in double-quoted strings and comments: written `#\x23[` (the same string) so
  // that a CI log showing the file holds no GitHub workflow command
  return sealed(doc.toString({ lineWidth: 0, flowCollectionPadding: false }).replace(/##\[/g, '#\\x23['));
}

const UNSEALED = '0'.repeat(16);
const SEAL = /^# export-sha256: ([0-9a-f]{16}) /m;
const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** The text with its header's hash filled in (the hash of the text with the hash left as zeros). */
const sealed = (text: string) => text.replace(`export-sha256: ${UNSEALED}`, `export-sha256: ${digest(text)}`);

/** What an existing file is to `export -o`: written by it and unchanged since, edited since, or not its. */
export function exportedState(text: string): 'unchanged' | 'edited' | 'foreign' {
  const m = SEAL.exec(text);
  if (!m) return 'foreign';
  const at = m.index + '# export-sha256: '.length;
  return digest(text.slice(0, at) + UNSEALED + text.slice(at + 16)) === m[1] ? 'unchanged' : 'edited';
}

const header = (live: LiveState, schema: string, what: string) =>
  ` yaml-language-server: $schema=${schema}\n Written by \`cbsync export\`: ${what}` +
  (live.keyLevel === 'organisation' ? '\n Organisation-level key: the organisation name cannot be read, so its id stands as its name.' : '') +
  `\n export-sha256: ${UNSEALED} (export -o replaces this file only while it is unchanged)`;

/** Live state as one desired-state file. */
export function exportDocument(live: LiveState, opts: ExportOptions = {}): Exported {
  const { entries, warnings } = organisationEntries(live);
  return { text: render(settingsOf(live), entries, header(live, opts.schema ?? defaultSchema(), 'live state with every id pinned.')), warnings };
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
export function exportFiles(live: LiveState, opts: { schema?: (path: string) => string | undefined } = {}): ExportedFiles {
  const { entries, warnings } = organisationEntries(live);
  const schema = (p: string) => opts.schema?.(p) ?? defaultSchema();
  const taken = new Set([SETTINGS_FILE]);
  // with no organisation file, the settings say `organisations: []` (the composed state needs the key once)
  const settings = entries.length ? settingsOf(live) : { ...settingsOf(live), organisations: [] };
  const files = [{ path: SETTINGS_FILE, text: render(settings, null, header(live, schema(SETTINGS_FILE), 'the settings of a state kept one file per organisation.')) }];
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
