// The GitHub Action's logic (action.yml runs it from the action's own checkout): run one cbsync
// command with the action's inputs, and hand its results to the workflow: the exit code,
// the saved JSON plan, whether anything is to change, the Markdown plan in the job summary.
// Inputs come as INPUT_COMMAND, INPUT_FILES, INPUT_FLAGS, INPUT_API_URL; the API key from the
// environment (a secret), never from an input.
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const COMMANDS = ['validate', 'plan', 'apply', 'export'];

/** Words as a shell splits them: spaces and new lines separate, quotes group, backslash escapes. */
export function words(text: string): string[] {
  const out: string[] = [];
  let word: string | null = null;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = null;
      else if (ch === '\\' && quote === '"' && i + 1 < text.length) word += text[++i]!;
      else word += ch;
    } else if (/\s/.test(ch)) {
      if (word !== null) out.push(word);
      word = null;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      word ??= '';
    } else if (ch === '\\' && i + 1 < text.length) word = (word ?? '') + text[++i]!;
    else word = (word ?? '') + ch;
  }
  if (quote) throw new Error(`an unclosed ${quote} in: ${text}`);
  if (word !== null) out.push(word);
  return out;
}

interface Env {
  [k: string]: string | undefined;
}

/** Writes `name=value` lines for the workflow (GITHUB_OUTPUT), or prints them when run by hand. */
function output(env: Env, values: Record<string, string>) {
  const text = Object.entries(values)
    .map(([k, v]) => `${k}=${v}\n`)
    .join('');
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, text);
  else process.stdout.write(text);
}

export function runAction(env: Env = process.env): number {
  const command = (env.INPUT_COMMAND || 'plan').trim();
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`::error title=cbsync::the command input must be one of ${COMMANDS.join(', ')}, not ${JSON.stringify(command)}\n`);
    output(env, { exitcode: '1', 'has-changes': 'false', 'plan-json': '', 'plan-markdown': '' });
    return 1;
  }
  let files: string[];
  let flags: string[];
  try {
    // an empty files input means none (apply --plan takes no file); action.yml defaults it to .
    files = command === 'export' ? [] : words(env.INPUT_FILES ?? '.');
    flags = words(env.INPUT_FLAGS || '');
  } catch (e) {
    process.stderr.write(`::error title=cbsync::${(e as Error).message}\n`);
    output(env, { exitcode: '1', 'has-changes': 'false', 'plan-json': '', 'plan-markdown': '' });
    return 1;
  }
  const dir = mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'cbsync-'));
  const planJson = join(dir, 'plan.json');
  const planMd = join(dir, 'plan.md');
  const reportJson = join(dir, 'report.json');
  const args = [command, ...files];
  if (command === 'plan') args.push('--out', planJson, '--markdown-out', planMd, '--detailed-exitcode');
  if (command === 'apply') args.push('--yes', '--json');
  args.push(...flags);

  const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
  const childEnv = { ...env, GITHUB_ACTIONS: env.GITHUB_ACTIONS ?? 'true', ...(env.INPUT_API_URL ? { CHARGEBACKSTOP_API_URL: env.INPUT_API_URL } : {}) };
  process.stderr.write(`cbsync ${args.join(' ')}\n`);
  // apply's report comes on stdout: kept for the summary and the workflow, and shown in the log
  const r = spawnSync(process.execPath, [cli, ...args], { env: childEnv, stdio: ['ignore', command === 'apply' ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const code = r.status ?? 1;
  let hasChanges = false;
  if (command === 'plan' && existsSync(planJson)) {
    hasChanges = (JSON.parse(readFileSync(planJson, 'utf8')) as { actions: unknown[] }).actions.length > 0;
  }
  if (command === 'apply' && r.stdout) {
    process.stdout.write(r.stdout);
    appendFileSync(reportJson, r.stdout);
    try {
      const report = JSON.parse(r.stdout) as { summary: Record<string, number>; repairs: unknown[] };
      hasChanges = report.summary.done! + report.repairs.length > 0;
      summary(env, `### cbsync apply\n\n**Apply: ${report.summary.done} done, ${report.summary.blocked} blocked, ${report.summary.failed} failed, ${report.summary.skipped} skipped.** The report is in the job's log.\n`);
    } catch {
      // no report: the error is in the log
    }
  }
  if (existsSync(planMd)) summary(env, readFileSync(planMd, 'utf8'));
  output(env, {
    exitcode: String(code),
    'has-changes': String(hasChanges),
    'plan-json': existsSync(planJson) ? planJson : '',
    'plan-markdown': existsSync(planMd) ? planMd : '',
    'report-json': existsSync(reportJson) ? reportJson : '',
  });
  // a plan with changes (2) is a result, not a failure: only errors fail the step
  return code === 1 ? 1 : 0;
}

function summary(env: Env, markdown: string) {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exitCode = runAction();
