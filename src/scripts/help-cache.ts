// Writes dist/help.json: `cbsync --help` and each `cbsync COMMAND --help` as the CLI itself
// prints them (run with CBSYNC_HELP_CACHE=off, so the parser answers). The CLI answers those
// from this file without loading the parser. Run by `npm run build`, after tsc.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const OUT = fileURLToPath(new URL('../help.json', import.meta.url));

/** What `cbsync ...args` prints on stdout when the parser answers (in a clean environment). */
export function helpText(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', CBSYNC_HELP_CACHE: 'off' } });
  if (r.status !== 0) throw new Error(`cbsync ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

/** The commands the top-level help lists (the lines under "Commands:"), `help` aside. */
export function commandsOf(top: string): string[] {
  const section = (top.split(/^Commands:\n/m)[1] ?? '').split(/\n\n/)[0]!;
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)\b/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const top = helpText(['--help']);
  const texts: Record<string, string> = { '': top };
  for (const c of commandsOf(top)) texts[c] = helpText([c, '--help']);
  writeFileSync(OUT, `${JSON.stringify(texts, null, 1)}\n`);
}
