import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Start-up, paid by every CI step and every scheduled job: the CLI beside Node itself, in a
// clean environment (variables such as NODE_EXTRA_CA_CERTS add to every start). The commands
// are run in turn, many times, and the fastest and the median of each are kept: on a shared
// machine the fastest run is the one least disturbed.

const CLI = fileURLToPath(new URL('../../cli.js', import.meta.url));
const EXAMPLE = fileURLToPath(new URL('../../../examples/desired.yaml', import.meta.url));

export const STARTS: [string, string[]][] = [
  ['node -e 0', ['-e', '0']],
  ['cbsync --version', [CLI, '--version']],
  ['cbsync --help', [CLI, '--help']],
  ['cbsync validate examples/desired.yaml', [CLI, 'validate', EXAMPLE]],
];

export function benchStartup(rounds = 25): { name: string; minMs: number; medianMs: number }[] {
  const times = STARTS.map(() => [] as number[]);
  for (let r = 0; r < rounds; r++) {
    STARTS.forEach(([, args], i) => {
      const t = performance.now();
      const out = spawnSync(process.execPath, args, { env: { PATH: process.env.PATH ?? '' }, stdio: 'ignore' });
      if (out.status !== 0) throw new Error(`${STARTS[i]![0]} exited ${out.status}`);
      times[i]!.push(performance.now() - t);
    });
  }
  return STARTS.map(([name], i) => {
    const sorted = times[i]!.sort((a, b) => a - b);
    return { name, minMs: sorted[0]!, medianMs: sorted[Math.floor(sorted.length / 2)]! };
  });
}
