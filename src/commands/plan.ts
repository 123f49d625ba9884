import { writeFileSync } from 'node:fs';
import { renderDiff } from '../plan/render/diff.js';
import { renderMarkdown } from '../plan/render/markdown.js';
import { jsonText } from '../text.js';
import { renderText } from '../plan/render/text.js';
import { useColor } from './color.js';
import { reportError } from './errors.js';
import { guarded, line, scrubbed, type Io } from './io.js';
import { planFromFiles, type PlanFlags } from './prepare.js';

export interface PlanOptions extends PlanFlags {
  json?: boolean;
  format?: 'text' | 'json' | 'markdown';
  diff?: boolean;
  out?: string;
  /** also write the Markdown plan (with its diff) to this file */
  markdownOut?: string;
  detailedExitcode?: boolean;
}

export async function planCommand(paths: string[], opts: PlanOptions, raw: Io): Promise<number> {
  const io = guarded(raw);
  let planned;
  try {
    ({ planned } = await planFromFiles(paths, opts, io));
  } catch (e) {
    reportError(e, io);
    return 1;
  }
  const { plan, label: file, shown } = planned;
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  const color = useColor(io, 'stdout', opts.color);
  // rendered once, whether printed, written with --markdown-out, or both
  let md: string | undefined;
  // Markdown escapes names (`cbs_key` becomes `cbs\_key`), so the key is removed before, not after
  const markdown = () => (md ??= renderMarkdown(scrubbed(plan, io.redact), { file, diff: renderDiff(shown.desired, shown.live, { color: false, file, match: shown.match }), ...(opts.out ? { savedPlan: opts.out } : {}) }));
  if (format === 'json') io.stdout(jsonText(plan));
  else if (format === 'markdown') io.stdout(markdown());
  else {
    if (opts.diff) {
      const diff = renderDiff(shown.desired, shown.live, { color, file, match: shown.match });
      io.stdout(diff ? `${diff}\n` : 'No differences between live state and the file.\n\n');
    }
    io.stdout(renderText(plan, { color }));
  }
  try {
    if (opts.out) {
      writeFileSync(opts.out, io.redact(jsonText(plan)));
      io.stderr(line(`saved plan to ${opts.out}; apply it with: cbsync apply --plan ${opts.out}`));
    }
    if (opts.markdownOut) writeFileSync(opts.markdownOut, io.redact(markdown()));
  } catch (e) {
    io.stderr(line(`error: cannot write ${(e as NodeJS.ErrnoException).path ?? 'the file'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    return 1;
  }
  if (opts.detailedExitcode) return plan.actions.length > 0 ? 2 : 0;
  return 0;
}
