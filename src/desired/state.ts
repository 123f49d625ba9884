import type { DesiredIntegration, DesiredOrganisation, DesiredState, IntegrationStatus, Mode } from '../model.js';
import { yamlPath, type Locator } from './locator.js';

// A validated document as the planner's input, defaults filled in, each item keeping its
// YAML path and position for messages.

type Obj = Record<string, any>;

export function toDesiredState(data: Obj, loc: Locator): DesiredState {
  const organisations: DesiredOrganisation[] = (data.organisations ?? []).map((o: Obj, i: number) => {
    const segments = ['organisations', i];
    const integrations: DesiredIntegration[] = (o.integrations ?? []).map((it: Obj, j: number) => {
      const s = [...segments, 'integrations', j];
      return {
        name: it.name,
        ...(it.id ? { id: it.id } : {}),
        status: (it.status ?? 'ENABLED') as IntegrationStatus,
        merchant_ids: [...it.merchant_ids],
        path: yamlPath(s),
        pos: loc.at(loc.node(s)),
      };
    });
    return { name: o.name, ...(o.id ? { id: o.id } : {}), integrations, path: yamlPath(segments), pos: loc.at(loc.node(segments)) };
  });
  return {
    version: 1,
    ...(data.mode ? { mode: data.mode as Mode } : {}),
    prune: { organisations: data.prune?.organisations ?? true, integrations: data.prune?.integrations ?? true },
    ignore: { organisations: [...(data.ignore?.organisations ?? [])] },
    allowReplace: data.allow_replace ?? false,
    safety: { maxDestructivePercent: data.safety?.max_destructive_percent ?? 30 },
    organisations,
  };
}
