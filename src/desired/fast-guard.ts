import type { EventType, State } from 'js-yaml';
import { MAX_ALIASES } from './core-schema.js';

// Where js-yaml (the fast reader) and the yaml package (the exact one, the reference) part
// ways on text they both accept: a file with any of these is left to the exact reader, so that
// its verdict never depends on which reader ran. Found by feeding both readers mutated files.
// Before reading (needsExactReader), on the text:
//  - a line that starts with `%`: a directive (`%YAML 1.1` makes `yes` true to yaml only);
//  - a carriage return alone: a line break to js-yaml, not to yaml;
//  - as many `*` as yaml's alias limit (it counts an anchor's first use: 99 uses of one anchor
//    pass, 100 do not), which js-yaml does not have.
// While reading (overLines, a js-yaml listener):
//  - a quoted scalar or a flow collection (`[...]`, `{...}`) over several lines: js-yaml
//    takes the next lines at any indentation, yaml wants them deeper than the mapping or list
//    holding it ("Missing closing quote", "must be sufficiently indented").

/** True when the text alone sends the file to the exact reader. */
export function needsExactReader(text: string): boolean {
  if (/^\uFEFF?%/.test(text) || text.includes('\n%')) return true;
  if (text.includes('\r') && /\r(?!\n)/.test(text)) return true;
  let stars = 0;
  for (let i = text.indexOf('*'); i !== -1; i = text.indexOf('*', i + 1)) if (++stars >= MAX_ALIASES) return true;
  return false;
}

/** Thrown by the listener: the file is for the exact reader. */
class OverLines extends Error {}

const SPACE = 32;
const TAB = 9;
const NL = 10;
const CR = 13;

/** What opens a quoted scalar or flow collection that ends with `c` (" ' ] }), else 0. */
const openerOf = (c: number) => (c === 34 || c === 39 ? c : c === 93 ? 91 : c === 125 ? 123 : 0);

/**
 * A js-yaml listener that throws OverLines at the first quoted scalar or flow collection that
 * spans lines. Cheap: a node that opens and closes on one line costs a comparison.
 */
export function overLines(): (event: EventType, state: State) => void {
  const positions: number[] = [];
  const lines: number[] = [];
  let depth = 0;
  return (event, state) => {
    if (event === 'open') {
      positions[depth] = state.position;
      lines[depth++] = state.line;
      return;
    }
    depth--;
    let line = lines[depth]!;
    if (state.line === line) return;
    const { input } = state;
    const opener = openerOf(input.charCodeAt(state.position - 1));
    if (opener === 0) return;
    // the node starts after separation space, comments and its properties (&anchor, !tag)
    let at = positions[depth]!;
    for (;;) {
      const c = input.charCodeAt(at);
      if (c === SPACE || c === TAB || c === CR) at++;
      else if (c === NL) {
        at++;
        line++;
      } else if (c === 35 || c === 38 || c === 33) {
        // # comment to the end of the line; & anchor and ! tag to the next space
        while (at < input.length && input.charCodeAt(at) !== NL && (c === 35 || (input.charCodeAt(at) !== SPACE && input.charCodeAt(at) !== TAB))) at++;
      } else break;
    }
    if (input.charCodeAt(at) === opener && line < state.line) throw new OverLines();
  };
}
