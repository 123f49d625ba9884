import { writeFileSync } from 'node:fs';
import { renderDiff } from '../plan/render/diff.js';
import { renderMarkdown } from '../plan/render/markdown.js';
import { renderText } from '../plan/render/text.js';
import { line, type Io } from './io.js';
import { preparePlan, useColor, type PlanFlags } from './prepare.js';

export interface PlanOptions extends PlanFlags {
  json?: boolean;
  format?: 'text' | 'json' | 'markdown';
  diff?: boolean;
  out?: string;
  /** also write the Markdown plan (with its diff) to this file */
  markdownOut?: string;
  detailedExitcode?: boolean;
}

export async function planCommand(paths: string[], opts: PlanOptions, io: Io): Promise<number> {
  const prepared = await preparePlan(paths, opts, io);
  if (!prepared) return 1;
  const { scoped, plan, match, label: file } = prepared;
  const { desired, live } = scoped;
  const format = opts.json ? 'json' : (opts.format ?? 'text');
  const color = useColor(io, 'stdout', opts.color);
  // rendered once, whether printed, written with --markdown-out, or both
  let md: string | undefined;
  const markdown = () => (md ??= renderMarkdown(plan, { file, diff: renderDiff(desired, live, { color: false, file, match }), ...(opts.out ? { fullPlan: `the saved plan ${opts.out}, or \`cbsync plan\` in the job's log` } : {}) }));
  if (format === 'json') io.stdout(`${JSON.stringify(plan, null, 2)}\n`);
  else if (format === 'markdown') io.stdout(markdown());
  else {
    if (opts.diff) {
      const diff = renderDiff(desired, live, { color, file, match });
      io.stdout(diff ? `${diff}\n` : 'No differences between live state and the file.\n\n');
    }
    io.stdout(renderText(plan, { color }));
  }
  try {
    if (opts.out) {
      writeFileSync(opts.out, `${JSON.stringify(plan, null, 2)}\n`);
      io.stderr(line(`saved plan to ${opts.out}; apply it with: cbsync apply --plan ${opts.out}`));
    }
    if (opts.markdownOut) writeFileSync(opts.markdownOut, markdown());
  } catch (e) {
    io.stderr(line(`error: cannot write ${(e as NodeJS.ErrnoException).path ?? 'the file'}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    return 1;
  }
  if (opts.detailedExitcode) return plan.actions.length > 0 ? 2 : 0;
  return 0;
}
