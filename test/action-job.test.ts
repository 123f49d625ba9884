import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { summaryText } from '../src/plan/render/apply.js';
import { ADMIN, withEmulator } from './helpers.js';
import { committedCopy, runStep, startStep } from './action-runner.js';

// The action as a user's job gets it: a copy of the repository's committed files (no
// node_modules, no dist/), in a job with NODE_ENV=production and npm told to omit dev
// dependencies, and a job that is cancelled in the middle of an apply.

const job = { NODE_ENV: 'production', npm_config_omit: 'dev' };
let action: string;
beforeAll(() => {
  action = committedCopy();
});

const version = JSON.parse(readFileSync('package.json', 'utf8')).version as string;

describe('the action in a user job', () => {
  it('runs from the committed files alone with NODE_ENV=production and npm_config_omit=dev, and installs nothing', () =>
    withEmulator({}, async (emu) => {
      expect(existsSync(join(action, 'node_modules'))).toBe(false);
      expect(existsSync(join(action, 'dist'))).toBe(false);
      const work = mkdtempSync(`${tmpdir()}/cbsync-user-repo-`);
      writeFileSync(join(work, 'desired.yaml'), 'version: 1\nprune: {organisations: false}\norganisations:\n  - name: Alpha\n    integrations:\n      - {name: New feed, merchant_ids: [mer_a2]}\n');
      const valid = await runStep(action, { command: 'validate', files: 'desired.yaml' }, job, work);
      expect(valid.stdout).toContain('desired.yaml: valid (1 organisation, 1 integration)');
      expect(valid.outputs.exitcode).toBe('0');
      const plan = await runStep(action, { command: 'plan', files: 'desired.yaml', 'api-url': emu.url }, { ...job, CHARGEBACKSTOP_API_KEY: ADMIN }, work);
      expect(plan.status).toBe(0);
      expect(plan.outputs).toMatchObject({ exitcode: '2', 'has-changes': 'true' });
      expect(plan.summary).toContain('**Plan: 1 to create');
      const applied = await runStep(action, { command: 'apply', files: 'desired.yaml', 'api-url': emu.url }, { ...job, CHARGEBACKSTOP_API_KEY: ADMIN }, work);
      expect(applied.outputs).toMatchObject({ exitcode: '0', 'has-changes': 'true' });
      expect(existsSync(join(action, 'node_modules'))).toBe(false);
    }));

  it('the bundled CLI finds its version, schemas and default seed from any directory', async () => {
    const cli = join(action, 'action/cbsync.mjs');
    const elsewhere = mkdtempSync(`${tmpdir()}/cbsync-elsewhere-`);
    const child = spawn(process.execPath, [cli, 'emulator', '--port', '0'], { cwd: elsewhere, env: { PATH: process.env.PATH } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const started = await new Promise<boolean>((resolve) => {
      child.stdout.on('data', () => /listening on/.test(out) && resolve(true));
      child.on('exit', () => resolve(false));
    });
    child.kill('SIGTERM');
    expect(started, out).toBe(true);
    const v = spawn(process.execPath, [cli, '--version'], { cwd: elsewhere });
    let printed = '';
    v.stdout.on('data', (d) => (printed += d));
    await new Promise((resolve) => v.on('close', resolve));
    expect(printed).toBe(`${version}\n`);
  });
});

const orgs = 40;
const desired = `version: 1\nprune: {organisations: false}\norganisations:\n${Array.from({ length: orgs }, (_, i) => `  - name: Bulk ${String(i + 1).padStart(2, '0')}\n`).join('')}`;

describe('a cancelled job', () => {
  // the runner sends SIGINT, then SIGTERM 7.5 s later, to the step's process (exec'd node)
  it.each(['SIGTERM', 'SIGINT'] as const)('%s mid-apply: cbsync finishes what runs, and the report and every output are still written', async (signal) => {
    const work = mkdtempSync(`${tmpdir()}/cbsync-cancel-`);
    writeFileSync(join(work, 'desired.yaml'), desired);
    let creates = 0;
    let step: ReturnType<typeof startStep> | undefined;
    await withEmulator(
      {
        latencyMs: 40,
        onRequest: (info) => {
          if (info.endpoint === 'POST /v1/organisations' && ++creates === 4) step!.child.kill(signal);
        },
      },
      async (emu) => {
        step = startStep(action, { command: 'apply', files: 'desired.yaml', 'api-url': emu.url }, { ...job, CHARGEBACKSTOP_API_KEY: ADMIN }, work);
        const r = await step.done;
        expect(r.signal).toBeNull();
        expect(r.status).toBe(1);
        expect(r.stderr).not.toMatch(/EPIPE|\n\s+at /);
        expect(r.outputs.exitcode).toBe('1');
        expect(r.outputs['has-changes']).toBe('true');
        const report = JSON.parse(readFileSync(r.outputs['report-json']!, 'utf8'));
        expect(report.interrupted).toBe(true);
        expect(report.summary.done).toBeGreaterThanOrEqual(4);
        expect(report.summary.skipped).toBeGreaterThan(0);
        expect(report.summary.done + report.summary.skipped + report.summary.failed).toBe(orgs);
        // every create that was sent is in the report as done: none lost, none sent after the signal
        const created = [...emu.store.orgs.values()].filter((o) => o.name.includes('Bulk')).length;
        expect(created).toBe(report.summary.done);
        expect(creates).toBe(report.summary.done);
        expect(r.summary).toContain(`**${summaryText(report)}**`);
        expect(summaryText(report)).toContain('Interrupted');
      },
    );
  });
});
