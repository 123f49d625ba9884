#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { Command, InvalidArgumentError, Option } from 'commander';
import parseDuration from 'parse-duration';
import { applyCommand } from './commands/apply.js';
import { reportError } from './commands/context.js';
import { emulatorCommand } from './commands/emulator.js';
import { exportCommand } from './commands/export.js';
import type { Io } from './commands/io.js';
import { planCommand } from './commands/plan.js';
import { validateCommand } from './commands/validate.js';
import { RATE_HEADER_STYLES, RATE_WINDOW_KINDS } from './emulator/server.js';
import { ERROR_SHAPES, LIST_SHAPES } from './emulator/shapes.js';

// commander wiring only: flags -> a command function -> exit code.

const io: Io = {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  env: process.env,
  tty: { stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY, stdin: !!process.stdin.isTTY },
  prompt: async (q) => {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(q);
    } finally {
      rl.close();
    }
  },
};

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

export function intArg(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

/** a repeatable option's values, in order */
const collect = (v: string, all: string[]) => [...all, v];

function rpmArg(v: string): 'auto' | number {
  return v === 'auto' ? 'auto' : intArg(0, 1_000_000)(v);
}

/** `90s`, `5m`, `1h30m`, `500ms`: a duration in ms, from `min` to `max` ms; a bare number needs its unit. */
export function durationArg(min: number, max: number) {
  return (v: string) => {
    const ms = /\d\s*[a-zµμ]/i.test(v) ? parseDuration(v) : null;
    if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < min || ms > max) {
      throw new InvalidArgumentError(`expected a duration with its unit, such as 90s, 5m or 1h (from ${min} ms to ${max / 3_600_000} h)`);
    }
    return Math.round(ms);
  };
}

function rateArg(v: string) {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('expected a probability from 0 to 1');
  return n;
}

const PATHS = 'desired-state files, directories (their *.yaml and *.yml, recursively) and - for standard input';

const ENV_API = `
Environment:
  CHARGEBACKSTOP_API_KEY   the API key (required; never put it in a file)
  CHARGEBACKSTOP_API_URL   the API URL (default https://api.chargebackstop.com; --api-url wins)
  NO_COLOR, FORCE_COLOR    colour off / on (also --no-color, --color); TERM=dumb turns it off`;

/** A command with the conventions every one follows: a one-line usage error, and help that says its environment, exit codes and an example. */
function command(name: string, description: string, help: string): Command {
  return program
    .command(name)
    .description(description)
    .option('--color', 'colour even when not on a terminal')
    .option('--no-color', 'no colour')
    .showHelpAfterError(`(see 'cbsync ${name} --help')`)
    .addHelpText('after', help);
}

/** Flags shared by every command that talks to the API. */
function withApiFlags(cmd: Command): Command {
  return cmd
    .option('--api-url <url>', 'API base URL (default: $CHARGEBACKSTOP_API_URL or https://api.chargebackstop.com)')
    .option('--max-rpm <n|auto>', 'requests per minute per endpoint: auto paces each endpoint once the server shows its limit; N caps it; 0 turns pacing off', rpmArg, 'auto')
    .option('--timeout <ms>', 'per request, for the whole answer', intArg(1, 3_600_000), 30_000)
    .option('--max-answer-mib <n>', 'refuse answers larger than this (not retried)', intArg(1, 4096), 64)
    .option('--max-wait <duration>', 'the longest rate-limit wait (per wait, and for 429s without a success); beyond it the run ends with an error (default 5m)', durationArg(1000, 24 * 3_600_000))
    .option('--list-concurrency <n>', 'pages fetched at once per listing', intArg(1, 64), 64)
    .option('--debug', 'log each request and answer on stderr (never the key)');
}

const TARGET = 'only this organisation["NAME"] (with its integrations) or organisation["NAME"].integration["NAME"]; * matches any characters; repeatable';

const program = new Command('cbsync')
  .description('Keep ChargebackStop organisations and CUSTOM_ORDERS integrations in line with YAML files')
  .version(VERSION)
  .showHelpAfterError("(see 'cbsync --help')")
  .configureOutput({ writeErr: (s) => io.stderr(s), writeOut: (s) => io.stdout(s) })
  .addHelpText('after', `${ENV_API}\n\nExit codes: 0 success, 1 error or failed action, 2 changes present (plan --detailed-exitcode).\n\nExample:\n  cbsync plan accounts/ --diff`);

command(
  'emulator',
  'run a local ChargebackStop API for trials, demos and tests',
  `
Environment: none (it prints the seed's keys to use as CHARGEBACKSTOP_API_KEY).

Exit codes: runs until interrupted (0); 1 when it cannot start (a bad seed, a port in use).

Example:
  cbsync emulator --latency 40 --rate-limit 100 --rate-limit-headers ietf &`,
)
  .option('--port <n>', 'port to listen on', intArg(0, 65535), 4010)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--seed <file>', 'seed file (YAML, or JSON for large ones)', 'examples/emulator-seed.yaml')
  .addOption(new Option('--mode <mode>', "override the seed's partner mode").choices(['LIVE', 'TEST']))
  .option('--latency <ms>', 'delay before each answer', intArg(0, 600_000), 0)
  .option('--max-page-size <n>', 'silently cap limit', intArg(1, 1_000_000))
  .option('--fail-rate <p>', 'probability of a 503 before doing anything', rateArg, 0)
  .option('--ambiguous-rate <p>', 'probability that a write is applied and the connection then dropped', rateArg, 0)
  .option('--rate-limit <n>', 'requests per window (a minute unless --rate-window) per endpoint and key owner, then 429', intArg(1, 1_000_000))
  .addOption(new Option('--rate-window <duration>', 'the rate-limit window, e.g. 1s, 5s, 1m').argParser(durationArg(1, 7 * 24 * 3_600_000)).default(60_000, '1m'))
  .addOption(new Option('--rate-window-kind <kind>', 'a sliding window, or fixed windows counted from the start').choices([...RATE_WINDOW_KINDS]).default('sliding'))
  .option('--rate-spent <n>', 'requests already counted in every window at start (another process used them)', intArg(0, 1_000_000), 0)
  .addOption(new Option('--rate-limit-headers <style>', 'rate headers on every answer (with --rate-limit): ietf, ietf-draft7, x (reset in seconds), x-epoch, x-epoch-ms or none').choices([...RATE_HEADER_STYLES]).default('none'))
  .addOption(new Option('--list-shape <shape>', 'list body envelope').choices([...LIST_SHAPES]).default('items'))
  .addOption(new Option('--error-shape <shape>', 'error body shape').choices([...ERROR_SHAPES]).default('code'))
  .addOption(new Option('--patch-prefix <on|off>', 'whether PATCH adds the [TEST] prefix').choices(['on', 'off']).default('on'))
  .option('--trim-names', 'store names trimmed of surrounding whitespace (as Django REST Framework does)')
  .option('--churn <n>', 'another writer: n delete-and-create pairs in all, one on each list page read past offset 0 (count unchanged)', intArg(0, 1_000_000), 0)
  .option('--random-seed <n>', 'seed for injected faults and ids', intArg(0, 2 ** 31), 1)
  .action(async (o) => {
    const { exitCode, emulator } = await emulatorCommand(
      {
        port: o.port,
        host: o.host,
        seedFile: o.seed,
        mode: o.mode,
        latencyMs: o.latency,
        maxPageSize: o.maxPageSize,
        failRate: o.failRate,
        ambiguousRate: o.ambiguousRate,
        rateLimit: o.rateLimit,
        rateWindowMs: o.rateWindow,
        rateWindowKind: o.rateWindowKind,
        rateSpent: o.rateSpent,
        rateLimitHeaders: o.rateLimitHeaders,
        listShape: o.listShape,
        errorShape: o.errorShape,
        patchPrefix: o.patchPrefix === 'on',
        trimNames: !!o.trimNames,
        churn: o.churn,
        randomSeed: o.randomSeed,
      },
      io,
    );
    if (!emulator) process.exit(exitCode);
    const stop = () => void emulator.close().then(() => process.exit(0));
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

command(
  'validate',
  'check desired-state files offline (no network request)',
  `
Environment: GITHUB_ACTIONS=true adds annotations (::error file=…,line=…,col=…::…) on stderr; NO_COLOR, FORCE_COLOR.

Exit codes: 0 valid (warnings allowed), 1 problems.

Example:
  cbsync validate accounts/ && cbsync validate desired.yaml --json`,
)
  .argument('<paths...>', PATHS)
  .option('--json', 'print the result as JSON (schema/validate.schema.json)')
  .action((paths: string[], o) => {
    process.exitCode = validateCommand(paths, o, io);
  });

withApiFlags(
  command(
    'plan',
    'read live state and print the ordered changes (a dry run)',
    `${ENV_API}
  GITHUB_ACTIONS=true      plan errors also as annotations, on stderr

Exit codes: 0 success; with --detailed-exitcode 0 no changes, 2 changes present; 1 error.

Examples:
  cbsync plan accounts/ --diff
  cbsync plan desired.yaml --format markdown > plan.md
  cbsync plan desired.yaml --target 'organisation["Acme*"]' --out plan.json`,
  )
    .argument('<paths...>', PATHS)
    .addOption(new Option('--json', 'print the plan as JSON (schema/plan.schema.json); the same as --format json').conflicts('format'))
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json', 'markdown']))
    .option('--diff', 'also print a unified diff of live state against the files')
    .option('--out <plan.json>', 'save the JSON plan for `apply --plan`')
    .option('--markdown-out <plan.md>', 'also write the Markdown plan (for a pull-request comment or the job summary)')
    .option('--detailed-exitcode', 'exit 0: no changes, 2: changes present, 1: error')
    .option('--allow-replace', 'allow replacing integrations whose immutable fields differ')
    .option('--target <address>', `plan ${TARGET}`, collect, []),
).action(async (paths: string[], o) => {
  process.exitCode = await planCommand(paths, o, io);
});

withApiFlags(
  command(
    'apply',
    'make the changes: plan, confirm, then apply with bounded concurrency',
    `${ENV_API}

Exit codes: 0 every action done or blocked and the closing check clean; 1 anything failed,
skipped or left, a refusal (safety, no --yes without a terminal, a stale saved plan), or an
interruption (Ctrl-C, SIGTERM: running actions finish, the report is written).

Examples:
  cbsync apply accounts/ --yes --json > report.json
  cbsync plan desired.yaml --out plan.json && cbsync apply --plan plan.json --yes`,
  )
    .argument('[paths...]', PATHS)
    .option('--plan <plan.json>', 'apply exactly this saved plan (refused if live state changed); give no FILE with it')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--dry-run', 'print the plan and the diff; change nothing')
    .option('--concurrency <n>', 'actions in flight at once', intArg(1, 64), 4)
    .option('--fail-fast', 'start no new action after a failure')
    .option('--force', 'apply even when the safety thresholds are exceeded')
    .option('--allow-replace', 'allow replacing integrations whose immutable fields differ')
    .option('--target <address>', `apply ${TARGET}`, collect, [])
    .option('--json', 'print a machine-readable report on stdout (schema/apply-report.schema.json)')
    .option('--write-ids', 'write the ids of created objects (and pins a replace left behind) into the files (comments kept)')
    .option('--no-verify', 'skip the closing check with a fresh listing'),
).action(async (paths: string[], o) => {
  // Ctrl-C or SIGTERM (what a cancelled CI job sends): start nothing new, let running requests
  // finish, write the report, exit 1. A second Ctrl-C quits at once.
  const interrupt = new AbortController();
  const stop = (signal: NodeJS.Signals) => {
    if (interrupt.signal.aborted) {
      if (signal === 'SIGINT') process.exit(130);
      return;
    }
    interrupt.abort();
    io.stderr(`\ninterrupted (${signal}): no new action will start; waiting for running ones${signal === 'SIGINT' ? ' (Ctrl-C again to quit now)' : ''}\n`);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    process.exitCode = await applyCommand(paths, { ...o, signal: interrupt.signal }, io);
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
});

withApiFlags(
  command(
    'export',
    'write live state as desired-state files with every id pinned',
    `${ENV_API}

Exit codes: 0 written, 1 error.

Examples:
  cbsync export -o live.yaml
  cbsync export --out-dir accounts/`,
  )
    .option('-o, --out <file>', 'write to FILE instead of stdout')
    .option('--out-dir <dir>', 'write one settings file and one file per organisation into DIR (new or empty)'),
).action(async (o) => {
  process.exitCode = await exportCommand(o, io);
});

// Last line of defence: anything unexpected is one readable line and exit 1, never a stack trace.
await program.parseAsync(process.argv).catch((e: unknown) => {
  reportError(e, io);
  process.exitCode = 1;
});
