import { Document, YAMLMap, YAMLSeq } from 'yaml';
import { CUSTOM_ORDERS, type LiveIntegration, type LiveState } from '../model.js';
import { groupBy } from '../group.js';
import { byText as cmp, fileName, orgNameKey } from '../names.js';

// Live state written as a desired-state file: every id pinned, names as a user writes them,
// stable order, so that `export` then `plan` of its output plans no change.

const SCHEMA_MODELINE = ' yaml-language-server: $schema=node_modules/cbsync/schema/desired-state.schema.json';

export interface Exported {
  text: string;
  /** what the file cannot say faithfully (it is still written) */
  warnings: string[];
}

export function exportDocument(live: LiveState): Exported {
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

  const data: Record<string, unknown> = { version: 1 };
  if (live.mode) data.mode = live.mode;
  const comments: (string | null)[] = [];
  data.organisations = orgs.map((o) => {
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
    comments.push(notes.length ? notes.join('\n') : null);
    return {
      name: live.keyLevel === 'organisation' ? o.name : written(o.name, 'organisation', o.id, true),
      id: o.id,
      integrations: listed.map((i) => ({ name: written(i.name, 'integration', i.id, false), id: i.id, status: i.status, merchant_ids: [...i.merchant_ids] })),
    };
  });

  const doc = new Document(data);
  doc.commentBefore =
    SCHEMA_MODELINE +
    '\n Written by `cbsync export`: live state with every id pinned.' +
    (live.keyLevel === 'organisation'
      ? '\n Organisation-level key: the organisation name cannot be read, so its id stands as its name.'
      : '');
  const seq = doc.get('organisations', true) as YAMLSeq<YAMLMap>;
  seq.items.forEach((node, i) => {
    const c = comments[i];
    if (c) node.comment = c;
    const ints = node.get('integrations', true) as unknown as YAMLSeq<YAMLMap>;
    for (const item of ints.items) (item.get('merchant_ids', true) as unknown as YAMLSeq).flow = true;
  });
  return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), warnings: [...duplicateNames(orgs), ...warnings] };
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
