import { Document, YAMLMap, YAMLSeq } from 'yaml';
import { CUSTOM_ORDERS, type LiveIntegration, type LiveState } from '../model.js';
import { byText as cmp, stripTestPrefix } from '../names.js';

// Live state written as a desired-state file: every id pinned, stable order, so that
// `export` then `plan` of its output plans no change.

const SCHEMA_MODELINE = ' yaml-language-server: $schema=node_modules/cbsync/schema/desired-state.schema.json';

export interface Exported {
  text: string;
  /** what the file cannot say faithfully (it is still written) */
  warnings: string[];
}

export function exportDocument(live: LiveState): Exported {
  const orgs =
    live.keyLevel === 'organisation'
      ? live.organisationId
        ? [{ id: live.organisationId, name: live.organisationId }]
        : []
      : [...live.organisations].sort((a, b) => cmp(stripTestPrefix(a.name), stripTestPrefix(b.name)) || cmp(a.id, b.id));

  const data: Record<string, unknown> = { version: 1 };
  if (live.mode) data.mode = live.mode;
  const comments: (string | null)[] = [];
  data.organisations = orgs.map((o) => {
    const mine = live.integrations.filter((i) => i.organisation_id === o.id);
    const { listed, history, unmanaged } = splitIntegrations(mine);
    const notes: string[] = [];
    for (const i of unmanaged) notes.push(` unmanaged ${i.type} integration "${i.name}" (${i.id}, ${i.status}): read-only, never changed`);
    for (const i of history) notes.push(` disabled namesake "${i.name}" (${i.id}): history, needs nothing`);
    comments.push(notes.length ? notes.join('\n') : null);
    return {
      name: o.name,
      id: o.id,
      integrations: listed.map((i) => ({ name: i.name, id: i.id, status: i.status, merchant_ids: [...i.merchant_ids] })),
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
  return { text: doc.toString({ lineWidth: 0, flowCollectionPadding: false }), warnings: duplicateNames(orgs) };
}

/** Live names that collide without the [TEST] prefix: the file needs them unique, so say so. */
function duplicateNames(orgs: { id: string; name: string }[]): string[] {
  const byName = new Map<string, string[]>();
  for (const o of orgs) byName.set(stripTestPrefix(o.name), [...(byName.get(stripTestPrefix(o.name)) ?? []), o.id]);
  return [...byName]
    .filter(([, ids]) => ids.length > 1)
    .map(([name, ids]) => `organisations ${ids.join(', ')} share the name "${name}" (ignoring [TEST]); the file will not validate until one is renamed`);
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
  const byName = new Map<string, LiveIntegration[]>();
  for (const i of managed) byName.set(i.name, [...(byName.get(i.name) ?? []), i]);
  for (const group of byName.values()) {
    const pick = group.find((i) => i.status === 'ENABLED') ?? group[0]!;
    listed.push(pick);
    history.push(...group.filter((i) => i !== pick));
  }
  return { listed, history, unmanaged };
}
