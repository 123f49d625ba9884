#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import type { Command as CommandType } from 'commander';
import { guarded, type Io } from './commands/io.js';
import { ERROR_SHAPE_CHOICES, FAILED_READ_ANSWERS, LIST_SHAPES, RATE_HEADER_STYLES, RATE_WINDOW_KINDS, SLOW_COMMIT_ANSWERS } from './emulator/choices.js';

// commander wiring only: flags -> a command function -> exit code. A command's module is
// imported when it runs (start-up is paid by every CI step and every scheduled job).

/**
 * A reader that went away (`cbsync plan | head -2`, a cancelled job's pipe) is not an error:
 * the run goes on (an apply never stops half way for it), writes to that stream are dropped,
 * and the process ends with its usual exit code, without a stack trace.
 */
const closed = { stdout: false, stderr: false };
for (const name of ['stdout', 'stderr'] as const) {
  process[name].on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed[name] = true;
    else throw e;
  });
}
const write = (name: 'stdout' | 'stderr') => (t: string) => void (closed[name] || process[name].write(t));

// every line printed, usage errors of the parser included, has the key removed (Guarantee 5)
const io: Io = guarded({
  stdout: write('stdout'),
  stderr: write('stderr'),
  env: process.env,
  tty: { stdout: !!process.stdout.isTTY, stderr: !!process.stderr.isTTY, stdin: !!process.stdin.isTTY },
  prompt: async (q) => {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return await rl.question(q);
    } finally {
      rl.close();
    }
  },
});

const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;

// `cbsync --version` alone is answered before the command line parser is even loaded
if (process.argv.length === 3 && (process.argv[2] === '--version' || process.argv[2] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
  process.exit(0);
}
// `cbsync [COMMAND] --help` is answered from the texts the build wrote (dist/help.json, made by
// this very program: see scripts/help-cache.ts), without loading the parser: half the start-up
helpFromCache(process.argv.slice(2));
const { Command, InvalidArgumentError, Option } = await import('commander');
const { default: parseDuration } = await import('parse-duration');

function helpFromCache(args: string[]): void {
  const asksHelp = (a: string | undefined) => a === '--help' || a === '-h';
  const name = args.length === 1 && asksHelp(args[0]) ? '' : args.length === 2 && asksHelp(args[1]) ? args[0]! : null;
  if (name === null || process.env.CBSYNC_HELP_CACHE === 'off') return;
  let text: unknown;
  try {
    text = (JSON.parse(readFileSync(new URL('./help.json', import.meta.url), 'utf8')) as Record<string, unknown>)[name];
  } catch {
    return; // not built (a bundle, a checkout before the build): the parser answers
  }
  if (typeof text !== 'string') return;
  io.stdout(text);
  process.exit(0);
}

export function intArg(min: number, max: number) {
  return (v: string) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return n;
  };
}

export function durationArg(min: number, max: number) {
  return (v: string) => {
    const ms = /\d\s*[a-zµμ]/i.test(v) ? parseDuration(v) : null;
    if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < min || ms > max) {
      throw new InvalidArgumentError(`expected a duration with its unit, such as 90s, 5m or 1h (from ${min} ms to ${max / 3_600_000} h)`);
    }
    return Math.round(ms);
  };
}

/** a repeatable option's values, in order */
const collect = (v: string, all: string[]) => [...all, v];

function rpmArg(v: string): 'auto' | number {
  return v === 'auto' ? 'auto' : intArg(0, 1_000_000)(v);
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
function command(name: string, description: string, help: string): CommandType {
  return program
    .command(name)
    .description(description)
    .option('--color', 'colour even when not on a terminal')
    .option('--no-color', 'no colour')
    .showHelpAfterError(`(see 'cbsync ${name} --help')`)
    .addHelpText('after', help);
}

/** Flags shared by every command that talks to the API. */
function withApiFlags(cmd: CommandType): CommandType {
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
  // usage errors may quote a flag's value, which may be the key: printed through the guarded Io
  // help as wide on a terminal as in a pipe: the same text the cache holds
  .configureOutput({ writeErr: (s) => io.stderr(s), writeOut: (s) => io.stdout(s), getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 })
  .addHelpText('after', `${ENV_API}\n\nExit codes: 0 success, 1 error or failed action, 2 changes present (plan --detailed-exitcode).\n\nExample:\n  cbsync plan accounts/ --diff`);

command(
  'emulator',
  'run a local ChargebackStop API for trials, demos and tests',
  `
Environment: none (it prints the seed's keys to use as CHARGEBACKSTOP_API_KEY).

Exit codes: runs until interrupted (0); 1 when it cannot start (a bad seed, a port in use).

Examples:
  cbsync emulator --latency 40 --rate-limit 100 --rate-limit-headers ietf &
  cbsync emulator --slow-commit-rate 0.15 --commit-delay 2000 --idempotency on &   # behind a slow gateway
  cbsync emulator --fail-reads-after-writes 2 --failed-read-answer 502 &            # the closing listing fails`,
)
  .option('--port <n>', 'port to listen on', intArg(0, 65535), 4010)
  .option('--host <host>', 'address to listen on (0.0.0.0 or :: for every interface; printed as http://127.0.0.1:PORT)', '127.0.0.1')
  .option('--seed <file>', 'seed file (YAML, or JSON for large ones)', 'examples/emulator-seed.yaml')
  .addOption(new Option('--mode <mode>', "override the seed's partner mode").choices(['LIVE', 'TEST']))
  .option('--latency <ms>', 'delay before each answer', intArg(0, 600_000), 0)
  .option('--max-page-size <n>', 'silently cap limit', intArg(1, 1_000_000))
  .option('--fail-rate <p>', 'probability of a 503 before doing anything', rateArg, 0)
  .option('--ambiguous-rate <p>', 'probability that a write is applied and the connection then dropped', rateArg, 0)
  .option('--slow-commit-rate <p>', 'probability that a write is answered by a gateway (see --slow-commit-answer) and lands --commit-delay later, unseen in listings until then', rateArg, 0)
  .option('--commit-delay <ms>', 'how long after its answer a slow write lands', intArg(0, 600_000), 2000)
  .addOption(new Option('--slow-commit-answer <answer>', "a slow write's answer: nginx's 504 Gateway Time-out page, or a dropped connection").choices([...SLOW_COMMIT_ANSWERS]).default('504'))
  .option('--fail-reads-after-writes <n>', 'once n writes took effect, every GET fails (see --failed-read-answer)', intArg(0, 1_000_000_000))
  .addOption(new Option('--failed-read-answer <answer>', "how those GETs fail: 503 in the error shape, or nginx's 502 Bad Gateway page").choices([...FAILED_READ_ANSWERS]).default('503'))
  .addOption(new Option('--idempotency <on|off>', 'honour Idempotency-Key on POST: a repeat answers the first answer and creates nothing; another body with the key: 422; while the first is in progress: 409').choices(['on', 'off']).default('off'))
  .option('--rate-limit <n>', 'requests per window (a minute unless --rate-window) per endpoint and key owner, then 429', intArg(1, 1_000_000))
  .addOption(new Option('--rate-window <duration>', 'the rate-limit window, e.g. 1s, 5s, 1m').argParser(durationArg(1, 7 * 24 * 3_600_000)).default(60_000, '1m'))
  .addOption(new Option('--rate-window-kind <kind>', 'a sliding window, or fixed windows counted from the start').choices([...RATE_WINDOW_KINDS]).default('sliding'))
  .option('--rate-spent <n>', 'requests already counted in every window at start (another process used them)', intArg(0, 1_000_000), 0)
  .addOption(new Option('--rate-limit-headers <style>', 'rate headers on every answer (with --rate-limit): ietf, ietf-draft7, x (reset in seconds), x-epoch, x-epoch-ms or none').choices([...RATE_HEADER_STYLES]).default('none'))
  .addOption(new Option('--list-shape <shape>', 'list body envelope').choices([...LIST_SHAPES]).default('items'))
  .addOption(new Option('--error-shape <shape>', "error body shape; html: a gateway's nginx page for every error (status only)").choices([...ERROR_SHAPE_CHOICES]).default('code'))
  .addOption(new Option('--patch-prefix <on|off>', 'whether PATCH adds the [TEST] prefix').choices(['on', 'off']).default('on'))
  .option('--trim-names', 'store names trimmed of surrounding whitespace (as Django REST Framework does)')
  .option('--churn <n>', 'another writer: n delete-and-create pairs in all, one on each list page read past offset 0 (count unchanged)', intArg(0, 1_000_000), 0)
  .option('--random-seed <n>', 'seed for injected faults and ids', intArg(0, 2 ** 31), 1)
  .action(async (o, cmd: CommandType) => {
    // rate flags the emulator cannot serve truthfully: a usage error (exit 2), before it starts
    const { rateOptionsProblem } = await import('./emulator/ratelimit.js');
    const rateWindowGiven = ['rateWindow', 'rateWindowKind'].some((f) => cmd.getOptionValueSource(f) === 'cli');
    const rateProblem = rateOptionsProblem({ rateLimit: o.rateLimit, rateWindowMs: o.rateWindow, rateSpent: o.rateSpent, rateLimitHeaders: o.rateLimitHeaders, rateWindowGiven });
    if (rateProblem) {
      io.stderr(`error: ${rateProblem}\n`);
      process.exit(2);
    }
    const { emulatorCommand } = await import('./commands/emulator.js');
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
        slowCommitRate: o.slowCommitRate,
        commitDelayMs: o.commitDelay,
        slowCommitAnswer: o.slowCommitAnswer,
        failReadsAfterWrites: o.failReadsAfterWrites,
        failedReadAnswer: o.failedReadAnswer,
        idempotency: o.idempotency === 'on',
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
  .action(async (paths: string[], o) => {
    const { validateCommand } = await import('./commands/validate.js');
    process.exitCode = await validateCommand(paths, o, io);
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
  const { planCommand } = await import('./commands/plan.js');
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
    const { applyCommand } = await import('./commands/apply.js');
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
    .option('-o, --out <file>', 'write to FILE (`-`: stdout, the default); replaces only a file export wrote, unedited')
    .option('--out-dir <dir>', 'write one settings file and one file per organisation into DIR (new, or holding no YAML)')
    .option('--force', 'with -o FILE: replace the file even if export did not write it or it was edited')
    .option('--schema <url|path>', "the editor modeline's schema: a URL, or a path written relative to each file (default: the schema's versioned URL)"),
).action(async (o) => {
  const { exportCommand } = await import('./commands/export.js');
  process.exitCode = await exportCommand(o, io);
});

// Last line of defence: anything unexpected is one readable line and exit 1, never a stack trace.
await program.parseAsync(process.argv).catch(async (e: unknown) => {
  const { reportError } = await import('./commands/errors.js');
  reportError(e, io);
  process.exitCode = 1;
});
// no connection a command opened outlives it: a stray socket must not keep the process alive
await (await import('./live/dispatchers.js')).closeDispatchers();
