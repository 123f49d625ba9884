// npm run demo: cbsync end to end against the built-in emulator, on a fresh machine with no
// key and no network. Each step runs the real CLI and prints the command as you would type it.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { startEmulator } from '../emulator/server.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = fileURLToPath(new URL('../cli.js', import.meta.url));
const bold = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[22m` : s);

async function main() {
  const emulator = await startEmulator({ seed: `${root}examples/emulator-seed.yaml` });
  // a copy, so the demo never edits the example in the repository
  const work = mkdtempSync(`${tmpdir()}/cbsync-demo-`);
  const file = 'desired.yaml'; // relative to the demo's working directory
  copyFileSync(`${root}examples/desired.yaml`, `${work}/${file}`);
  const key = 'cbs_test_admin_key';
  const env = { ...process.env, CHARGEBACKSTOP_API_URL: emulator.url, CHARGEBACKSTOP_API_KEY: key };
  let failed = false;

  // async spawn: the emulator runs in this process and must keep answering meanwhile
  const step = async (title: string, args: string[], expected: number[] = [0]) => {
    console.log(`\n${bold(`## ${title}`)}`);
    console.log(bold(`$ cbsync ${args.join(' ')}`));
    const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'inherit', 'inherit'], cwd: work });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
    console.log(`(exit ${code})`);
    if (!expected.includes(code)) failed = true;
    return code;
  };

  try {
    console.log(bold('cbsync demo: a local ChargebackStop API (the emulator) seeded from examples/emulator-seed.yaml'));
    console.log(`emulator: ${emulator.url}`);
    console.log(`$ export CHARGEBACKSTOP_API_URL=${emulator.url} CHARGEBACKSTOP_API_KEY=${key}   # an emulator key, not a real one`);
    console.log(`desired.yaml is a copy of examples/desired.yaml (in ${work})`);

    await step('1. Check the file offline', ['validate', file]);
    await step('2. Plan: what would change, with a diff of live state against the file', ['plan', file, '--diff']);
    await step('3. Apply it (--yes: no prompt in a script)', ['apply', file, '--yes']);
    await step('4. Plan again: nothing pending; what remains is blocked and explained', ['plan', file]);
    await step('5. Export live state as a desired-state file, every id pinned', ['export']);

    const after = readFileSync(`${work}/${file}`, 'utf8') === readFileSync(`${root}examples/desired.yaml`, 'utf8');
    console.log(`\n${bold(failed ? 'Demo finished with an unexpected exit code above.' : 'Demo finished: every step gave the expected exit code.')}`);
    if (!after) failed = true;
    console.log('Next: `npx cbsync emulator` to keep a server running, then try your own file; see the README.');
  } finally {
    await emulator.close();
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
