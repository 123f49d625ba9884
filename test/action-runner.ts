import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { expectNoKey } from './helpers.js';

// The GitHub Action as the runner runs it: action.yml's step, its `${{ inputs.* }}` filled in,
// written to a script and run with `bash --noprofile --norc -e -o pipefail`, GITHUB_ACTION_PATH
// set to the action's folder, results read back from GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.

export interface StepResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** the raw GITHUB_OUTPUT file */
  outputFile: string;
}

export interface RunningStep {
  child: ChildProcess;
  /** everything written so far on stderr */
  stderr: () => string;
  done: Promise<StepResult>;
}

/** Parses GITHUB_OUTPUT (name=value lines and name<<END blocks), later values winning. */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const block = /^([\w-]+)<<(.+)$/.exec(l);
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1);
      out[block[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else if (l.includes('=')) {
      const [k, v] = l.split(/=(.*)/s) as [string, string];
      out[k] = v;
    }
  }
  return out;
}

/** Starts the action's step. Inputs by their action.yml names; env adds to (or overrides) a bare job environment. */
export function startStep(actionDir: string, inputs: Record<string, string>, env: Record<string, string> = {}, cwd = process.cwd()): RunningStep {
  const action = parse(readFileSync(join(actionDir, 'action.yml'), 'utf8'));
  const steps = action.runs.steps as { run: string; shell: string; env?: Record<string, string> }[];
  if (steps.length !== 1 || steps[0]!.shell !== 'bash') throw new Error('the helper runs one bash step');
  const step = steps[0]!;
  const value = (name: string) => inputs[name] ?? action.inputs[name]?.default ?? '';
  const fill = (s: string) => s.replace(/\$\{\{\s*inputs\.([\w-]+)\s*\}\}/g, (_, name: string) => value(name));
  const dir = mkdtempSync(`${tmpdir()}/cbsync-step-`);
  const files = { GITHUB_OUTPUT: `${dir}/output`, GITHUB_STEP_SUMMARY: `${dir}/summary.md` };
  for (const f of Object.values(files)) writeFileSync(f, '');
  writeFileSync(`${dir}/step.sh`, step.run);
  const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, fill(String(v))]));
  const child = spawn('bash', ['--noprofile', '--norc', '-e', '-o', 'pipefail', `${dir}/step.sh`], {
    cwd,
    env: { PATH: process.env.PATH, HOME: dir, RUNNER_TEMP: dir, GITHUB_ACTIONS: 'true', GITHUB_ACTION_PATH: actionDir, NO_COLOR: '1', ...files, ...stepEnv, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<StepResult>((resolve) =>
    child.on('close', (status, signal) => {
      const outputFile = readFileSync(files.GITHUB_OUTPUT, 'utf8');
      const summary = readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8');
      expectNoKey(stdout, stderr, outputFile, summary);
      resolve({ status, signal, stdout, stderr, outputs: parseOutputs(outputFile), summary, outputFile });
    }),
  );
  return { child, stderr: () => stderr, done };
}

export const runStep = (actionDir: string, inputs: Record<string, string>, env: Record<string, string> = {}, cwd?: string) => startStep(actionDir, inputs, env, cwd).done;

/** A copy of the checkout as a user's job gets the action: the files git would commit, nothing built or installed. */
export function committedCopy(): string {
  const dest = mkdtempSync(`${tmpdir()}/cbsync-action-copy-`);
  const list = execGit(['ls-files', '-z', '--cached', '--others', '--exclude-standard']).split('\0').filter(Boolean);
  for (const f of list) {
    mkdirSync(join(dest, dirname(f)), { recursive: true });
    try {
      copyFileSync(f, join(dest, f));
    } catch (e) {
      // a file deleted in the work tree but not yet from the index
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }
  return dest;
}

function execGit(args: string[]): string {
  return execFileSync('git', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}
