import { createTwoFilesPatch } from 'diff';
import { createColors } from 'picocolors';
import { Document, isScalar, visit, type YAMLMap } from 'yaml';
import { CUSTOM_ORDERS, type DesiredState, type LiveIntegration, type LiveState } from '../../model.js';
import { stripTestPrefix } from '../../names.js';
import { printable } from '../../text.js';
import { matchState, type MatchResult } from '../match.js';

// Live state as YAML against desired state as YAML, both in the file's order and shape, so
// the unified diff reads like an edit to the file. Pruned integrations appear DISABLED on the
// desired side (that is what apply does to them); pruned organisations appear only live.

interface IntegrationView {
  name: string;
  status: string;
  /** absent for integrations of other types: cbsync reads only what it needs of them */
  merchant_ids?: string[];
  /** a comment: why it is shown though the file does not list it */
  note?: string;
}

interface View {
  name: string;
  integrations: IntegrationView[];
}

const view = (i: { name: string; status: string; merchant_ids: string[] }, status = i.status, note?: string): IntegrationView => ({ name: i.name, status, merchant_ids: [...i.merchant_ids], ...(note ? { note } : {}) });

/** Integrations the plan leaves as they are though the file does not list them: the same on both sides. */
function leftAlone(om: MatchResult['organisations'][number], prune: boolean): IntegrationView[] {
  return [
    ...om.unlisted.filter((i) => !prune || i.status !== 'ENABLED').map((i) => view(i, i.status, i.status === 'ENABLED' ? 'not in the file; left as it is (prune.integrations is off)' : 'not in the file; disabled already')),
    ...om.unmanaged.map((i) => ({ name: i.name, status: i.status, note: `${i.type}: read-only, never changed` })),
  ];
}

export function stateViews(desired: DesiredState, live: LiveState, m: MatchResult = matchState(desired, live)): { live: View[]; desired: View[] } {
  const liveSide: View[] = [];
  const desiredSide: View[] = [];
  for (const om of m.organisations) {
    const pruned: LiveIntegration[] = desired.prune.integrations ? om.unlisted.filter((i) => i.status === 'ENABLED') : [];
    const alone = om.live ? leftAlone(om, desired.prune.integrations) : [];
    desiredSide.push({
      name: stripTestPrefix(om.desired.name),
      integrations: [...om.desired.integrations.map((d) => view(d)), ...pruned.map((i) => view(i, 'DISABLED')), ...alone],
    });
    if (om.live) {
      liveSide.push({
        // an organisation key cannot read names: show the file's, so only real differences show
        name: live.keyLevel === 'organisation' ? stripTestPrefix(om.desired.name) : stripTestPrefix(om.live.name),
        integrations: [...om.integrations.flatMap((x) => (x.live ? [view(x.live)] : [])), ...pruned.map((i) => view(i)), ...alone],
      });
    }
  }
  if (desired.prune.organisations) {
    for (const o of m.unlistedOrganisations) {
      const ints = (m.integrationsOf.get(o.id) ?? []).filter((i) => i.type === CUSTOM_ORDERS);
      liveSide.push({ name: stripTestPrefix(o.name), integrations: ints.map((i) => view(i)) });
    }
  }
  return { live: liveSide, desired: desiredSide };
}

export function renderDiff(desired: DesiredState, live: LiveState, opts: { color: boolean; file?: string; match?: MatchResult }): string {
  const views = stateViews(desired, live, opts.match);
  const yaml = (v: View[]) => {
    const doc = new Document({ organisations: v.map((o) => ({ ...o, integrations: o.integrations.map(({ note: _, ...i }) => i) })) });
    // lists of scalars (merchant ids) on one line, as files usually write them
    visit(doc, { Seq: (_k, seq) => void (seq.flow = seq.items.every((i) => isScalar(i))) });
    v.forEach((o, i) =>
      o.integrations.forEach((it, j) => {
        if (!it.note) return;
        const node = doc.getIn(['organisations', i, 'integrations', j], true) as YAMLMap;
        node.commentBefore = ` ${it.note}`;
      }),
    );
    return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
  };
  const patch = createTwoFilesPatch('live', opts.file ?? 'desired', yaml(views.live), yaml(views.desired), '', '', { context: 3 });
  const lines = patch.split('\n').filter((l) => !/^={10,}$/.test(l) && !l.startsWith('Index:') && l !== '\\ No newline at end of file');
  const hunks = lines.slice(lines.findIndex((l) => l.startsWith('---')));
  if (!hunks.some((l) => l.startsWith('@@'))) return '';
  const c = createColors(opts.color);
  return `${hunks
    .map(printable)
    .map((l) => (l.startsWith('+++') || l.startsWith('---') ? c.bold(l) : l.startsWith('+') ? c.green(l) : l.startsWith('-') ? c.red(l) : l.startsWith('@@') ? c.cyan(l) : l))
    .join('\n')
    .trimEnd()}\n`;
}
