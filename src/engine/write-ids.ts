import { STDIN } from '../desired/sources.js';
import { writeIdsToFile } from '../desired/write-ids.js';
import { groupBy } from '../group.js';
import type { ActionResult, IdsWritten, Plan } from '../model.js';
import { plural } from '../text.js';

// --write-ids: each created object's id into the file its entry came from, and the pins a
// replace left behind. Done by the engine whatever else failed: an id that exists live and
// is missing from the file would make the next run create the object again.

/** The kinds that bring a new object (and so a new id) into being. */
const CREATING = new Set(['create_organisation', 'create_integration', 'replace_integration']);

/** `redact` finds the key in an id a server chose: such an id is never written into a file that goes into git. */
export function writeCreatedIds(results: ActionResult[], plan: Plan, redact: (text: string) => string): IdsWritten[] {
  const byAddress = new Map(plan.actions.map((a) => [a.address, a]));
  const entries = results.flatMap((r) => {
    const a = byAddress.get(r.address);
    if (r.outcome !== 'done' || !r.file || !r.path || !r.id || !CREATING.has(r.kind) || !a || !('body' in a)) return [];
    return [{ file: r.file, path: r.path, id: r.id, name: a.body.name ?? '' }];
  });
  // and the pins a replace left behind, found while planning
  for (const p of plan.stale_pins ?? []) entries.push({ file: p.file, path: p.path, id: p.live_id, name: p.name });
  return [...groupBy(entries, (e) => e.file)].map(([file, list]): IdsWritten => {
    if (file === STDIN) return { file, written: 0, problems: [], note: `${plural(list.length, 'id')} of entries read from standard input not written` };
    const secret = list.filter((e) => redact(e.id) !== e.id);
    if (secret.length) return { file, written: 0, problems: secret.map((e) => `the server's id for ${e.path} holds the API key: not written into the file (pin it by hand with another id, or ask the API's owner)`) };
    try {
      return { file, ...writeIdsToFile(file, list) };
    } catch (e) {
      return { file, written: 0, problems: [`could not write: ${e instanceof Error ? e.message : String(e)}`] };
    }
  });
}
