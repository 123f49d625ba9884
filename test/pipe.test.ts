import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ADMIN, manyOrgs, testSeed, withEmulator } from './helpers.js';
import { write } from './engine/helpers.js';

// A reader that goes away (`cbsync plan | head -2`, a cancelled job's pipe) is not an error
// (seen: "Error: write EPIPE ... Node.js v20.20.2" and a stack trace).

const run = (script: string, env: Record<string, string>) =>
  new Promise<{ out: string; err: string }>((resolve) => execFile('bash', ['-c', script], { env: { ...process.env, ...env } }, (_e, out, err) => resolve({ out, err })));

describe('a closed pipe', () => {
  it.each([[''], ['--json'], ['--detailed-exitcode']])('plan %s | head -2: two lines, no stack trace, the usual exit code', (flag) =>
    withEmulator({ seed: testSeed({ organisations: manyOrgs(3000) }) }, async (emu) => {
      const file = write('version: 1\norganisations: []\n');
      const r = await run(`node dist/cli.js plan ${file} --max-rpm 0 ${flag} | head -2; echo "exit=\${PIPESTATUS[0]}" >&2`, { CHARGEBACKSTOP_API_URL: emu.url, CHARGEBACKSTOP_API_KEY: ADMIN });
      expect(r.out.split('\n').filter(Boolean)).toHaveLength(2);
      expect(r.err).not.toMatch(/EPIPE|Error:|at .*\(node:/);
      expect(r.err).toContain(`exit=${flag === '--detailed-exitcode' ? 2 : 0}`);
    }));
});
