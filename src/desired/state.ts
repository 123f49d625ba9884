import type { DesiredIntegration, DesiredOrganisation, DesiredState, IntegrationStatus, Mode } from '../model.js';

// Validated files as the planner's input, defaults filled in, each entry keeping its file
// and YAML path for messages and --write-ids.

type Obj = Record<string, any>;

/** The keys that hold settings rather than organisations: they belong in one file. */
export const SETTINGS = ['version', 'mode', 'prune', 'ignore', 'allow_replace', 'safety'];

export function toDesiredState(settings: Obj, parts: { file: string; data: Obj }[]): DesiredState {
  // the data is freshly parsed and validated: taken as it is, paths written directly
  const organisations: DesiredOrganisation[] = parts.flatMap(({ file, data }) =>
    (data.organisations ?? []).map((o: Obj, i: number) => {
      const path = `organisations[${i}]`;
      const integrations: DesiredIntegration[] = (o.integrations ?? []).map((it: Obj, j: number) => {
        const di: DesiredIntegration = { name: it.name, status: (it.status ?? 'ENABLED') as IntegrationStatus, merchant_ids: it.merchant_ids, file, path: `${path}.integrations[${j}]` };
        if (it.id) di.id = it.id;
        return di;
      });
      const d: DesiredOrganisation = { name: o.name, integrations, file, path };
      if (o.id) d.id = o.id;
      return d;
    }),
  );
  return {
    version: 1,
    ...(settings.mode ? { mode: settings.mode as Mode } : {}),
    prune: { organisations: settings.prune?.organisations ?? true, integrations: settings.prune?.integrations ?? true },
    ignore: { organisations: [...(settings.ignore?.organisations ?? [])] },
    allowReplace: settings.allow_replace ?? false,
    safety: { maxDestructivePercent: settings.safety?.max_destructive_percent ?? 30 },
    organisations,
    files: parts.map((p) => p.file),
  };
}
