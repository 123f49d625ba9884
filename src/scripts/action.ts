// The GitHub Action's logic (action.yml runs its bundle, action/main.mjs, with node): run one
// cbsync command with the action's inputs, and hand its results to the workflow: the exit
// code, the saved JSON plan, whether anything is to change, the Markdown plan or the apply's
// summary in the job summary. Inputs come as INPUT_COMMAND, INPUT_FILES, INPUT_FLAGS,
// INPUT_API_URL; the API key from the environment (a secret), never from an input.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ApplyReport } from '../model.js';
import { summaryText } from '../plan/render/apply.js';
import { printable } from '../text.js';

export const COMMANDS = ['validate', 'plan', 'apply', 'export'];
export const MIN_NODE = 20;

/** The CLI the action runs: the committed self-contained bundle (npm run bundle), so a job installs nothing. */
export const CLI_BUNDLE = fileURLToPath(new URL('../../action/cbsync.mjs', import.meta.url));

interface Env {
  [k: string]: string | undefined;
}

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

/** A word as a shell would need it typed: bare when plain, else in single quotes. */
export const shellQuote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** The command line as the log shows it: one line that no input can turn into a workflow command. */
export const commandLine = (args: string[]) => printable(`cbsync ${args.map(shellQuote).join(' ')}`);

/** An error annotation: the message made one printable line, then escaped as workflow command data. */
export const annotation = (message: string) => `::error title=cbsync::${printable(message).replace(/%/g, '%25')}\n`;

/** Null when this Node can run cbsync, else what to do about it. */
export function nodeProblem(version: string): string | null {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1] ?? 0);
  if (major >= MIN_NODE) return null;
  return `cbsync needs Node.js ${MIN_NODE} or later, and the node on this job's PATH is ${version}. Add a step before this one: uses: actions/setup-node@v4 with node-version: ${MIN_NODE} (or later)`;
}

/** The values of an option in the user's flags (`--out X` or `--out=X`), for the paths the action takes over. */
export function optionValues(flags: string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    if (flags[i] === name && i + 1 < flags.length) values.push(flags[++i]!);
    else if (flags[i]!.startsWith(`${name}=`)) values.push(flags[i]!.slice(name.length + 1));
  }
  return values;
}

export type Outputs = Record<'exitcode' | 'has-changes' | 'plan-json' | 'plan-markdown' | 'report-json', string>;

/** Writes the outputs for the workflow (GITHUB_OUTPUT, multi-line safe), or prints them when run by hand. */
function setOutputs(env: Env, values: Outputs) {
  const text = Object.entries(values)
    .map(([k, v]) => {
      if (!/[\r\n]/.test(v)) return `${k}=${v}\n`;
      const end = `cbsync_${randomUUID()}`;
      return `${k}<<${end}\n${v}\n${end}\n`;
    })
    .join('');
  if (env.GITHUB_OUTPUT) appendFileSync(env.GITHUB_OUTPUT, text);
  else process.stdout.write(text);
}

function summary(env: Env, markdown: string) {
  if (env.GITHUB_STEP_SUMMARY) appendFileSync(env.GITHUB_STEP_SUMMARY, `${markdown}\n`);
}

/** The run: what it asked cbsync for, and the files that cbsync writes for it. */
interface Run {
  command: string;
  args: string[];
  planJson: string;
  planMd: string;
  reportJson: string;
  /** the user's own --out / --markdown-out: the action's files are copied there */
  userOut: string[];
  userMd: string[];
}

/** Builds the cbsync command line: the user's flags, then the action's (which win), then the files after --. */
function prepare(env: Env, command: string, dir: string): Run {
  // an empty files input means none (apply --plan takes no file); action.yml defaults it to .
  const files = command === 'export' ? [] : words(env.INPUT_FILES ?? '.');
  const flags = words(env.INPUT_FLAGS || '');
  const dashes = flags.indexOf('--');
  const before = dashes < 0 ? flags : flags.slice(0, dashes);
  const after = dashes < 0 ? [] : flags.slice(dashes + 1);
  const run: Run = { command, args: [], planJson: join(dir, 'plan.json'), planMd: join(dir, 'plan.md'), reportJson: join(dir, 'report.json'), userOut: [], userMd: [] };
  const own: string[] = [];
  if (command === 'plan') {
    own.push('--out', run.planJson, '--markdown-out', run.planMd, '--detailed-exitcode');
    run.userOut = optionValues(before, '--out').filter((p) => p !== '-');
    run.userMd = optionValues(before, '--markdown-out').filter((p) => p !== '-');
  }
  if (command === 'apply') own.push('--yes', '--json');
  const rest = [...files, ...after];
  run.args = [command, ...before, ...own, ...(rest.length ? ['--', ...rest] : [])];
  return run;
}

/** Runs cbsync as a child, passes SIGTERM and SIGINT on to it, and waits for it. Its exit code. */
function runCli(run: Run, env: Env, signals: Signals): Promise<number> {
  const childEnv = { ...env, GITHUB_ACTIONS: env.GITHUB_ACTIONS ?? 'true', ...(env.INPUT_API_URL ? { CHARGEBACKSTOP_API_URL: env.INPUT_API_URL } : {}) };
  const capture = run.command === 'apply';
  // its own process group: a terminal's Ctrl-C reaches it once, through us, not twice
  const child = spawn(process.execPath, [CLI_BUNDLE, ...run.args], { env: childEnv, stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'], detached: true });
  signals.forward = (s) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(s);
  };
  // apply's report comes on stdout: kept in the action's file as it comes, and shown in the log
  child.stdout?.on('data', (d: Buffer) => {
    appendFileSync(run.reportJson, d);
    process.stdout.write(d);
  });
  return new Promise((done) => {
    child.on('error', (e) => {
      process.stderr.write(annotation(`could not run cbsync: ${e.message}`));
      done(1);
    });
    child.on('close', (code, signal) => {
      if (signal) process.stderr.write(annotation(`cbsync was ended by ${signal}`));
      done(code ?? 1);
    });
  });
}

/**
 * What the workflow gets, read from the action's own files whatever the user's flags. False when
 * a copy to a path of the user's (`--out`, `--markdown-out`) failed: said, and the step fails,
 * as the command alone would; every output is still set.
 */
function results(run: Run, env: Env, out: Outputs): boolean {
  const copies: [from: string, to: string, flag: string][] = [];
  if (run.command === 'plan' && existsSync(run.planJson)) {
    out['plan-json'] = run.planJson;
    out['has-changes'] = String((JSON.parse(readFileSync(run.planJson, 'utf8')) as { actions: unknown[] }).actions.length > 0);
    for (const p of run.userOut) copies.push([run.planJson, p, '--out']);
  }
  if (run.command === 'plan' && existsSync(run.planMd)) {
    out['plan-markdown'] = run.planMd;
    for (const p of run.userMd) copies.push([run.planMd, p, '--markdown-out']);
    summary(env, readFileSync(run.planMd, 'utf8'));
  }
  let copied = true;
  for (const [from, to, flag] of copies) {
    try {
      copyFileSync(from, resolve(to));
    } catch (e) {
      copied = false;
      process.stderr.write(annotation(`could not write ${flag} ${to}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
    }
  }
  if (run.command !== 'apply') return copied;
  let report: ApplyReport | null = null;
  try {
    report = JSON.parse(readFileSync(run.reportJson, 'utf8'));
  } catch {
    // no report: cbsync stopped before applying, and said why in the log
  }
  if (!report?.summary) {
    summary(env, `### cbsync apply\n\nNo report: cbsync stopped before applying anything (exit ${out.exitcode}); the reason is in the job's log.\n`);
    return copied;
  }
  out['report-json'] = run.reportJson;
  out['has-changes'] = String(report.summary.done + report.repairs.length > 0);
  summary(env, `### cbsync apply\n\n**${summaryText(report)}** The report is in the job's log and the \`report-json\` output.\n`);
  return copied;
}

/** The action's step: its exit status (a plan with changes is a result, not a failure). The outputs are written in every case. */
export async function runAction(env: Env = process.env): Promise<number> {
  const out: Outputs = { exitcode: '1', 'has-changes': 'false', 'plan-json': '', 'plan-markdown': '', 'report-json': '' };
  // a cancelled job sends SIGINT, then SIGTERM: passed on to cbsync, which finishes what runs and writes its report
  const signals: Signals = {};
  const onSignal = (s: NodeJS.Signals) => (signals.forward ? signals.forward(s) : (signals.early ??= s));
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const state: { run?: Run } = {};
  let code = 1;
  try {
    code = await step(env, out, signals, state);
  } catch (e) {
    process.stderr.write(annotation(`the action failed: ${(e as Error).message}`));
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  let copied = true;
  try {
    if (state.run) copied = results(state.run, env, out);
  } catch (e) {
    process.stderr.write(annotation(`could not read cbsync's results: ${(e as Error).message}`));
  }
  setOutputs(env, out);
  return copied ? code : 1;
}

type Signals = { forward?: (s: NodeJS.Signals) => void; early?: NodeJS.Signals };

/** Checks the inputs and runs cbsync: the step's exit status. `state.run` is set once cbsync's files are chosen. */
async function step(env: Env, out: Outputs, signals: Signals, state: { run?: Run }): Promise<number> {
  const old = nodeProblem(process.versions.node);
  if (old) {
    process.stderr.write(annotation(old));
    return 1;
  }
  const command = (env.INPUT_COMMAND || 'plan').trim();
  if (!COMMANDS.includes(command)) {
    process.stderr.write(annotation(`the command input must be one of ${COMMANDS.join(', ')}, not ${JSON.stringify(command)}`));
    return 1;
  }
  let run: Run;
  try {
    run = state.run = prepare(env, command, mkdtempSync(join(env.RUNNER_TEMP || tmpdir(), 'cbsync-')));
  } catch (e) {
    process.stderr.write(annotation((e as Error).message));
    return 1;
  }
  process.stderr.write(`${commandLine(run.args)}\n`);
  if (signals.early) {
    process.stderr.write(annotation(`cancelled (${signals.early}) before cbsync started; nothing was changed`));
    return 1;
  }
  const code = await runCli(run, env, signals);
  out.exitcode = String(code);
  return code === 0 || (command === 'plan' && code === 2) ? 0 : 1;
}
