import type { Diagnostic } from '../model.js';
import { composeDesired, type LoadResult } from './compose.js';
import { readPositioned } from './positioned.js';
import { readSources, type Source } from './sources.js';

// The desired-state loader as the library and the engine use it: synchronous, with the exact
// reader at hand. (`validate` loads the exact reader only for a file that needs it: load-lazy.ts.)

export type { LoadResult } from './compose.js';
export { describePaths, formatDiagnostic } from './findings.js';
export { MAX_FILE_BYTES } from './sources.js';

export const loadDesired = (sources: Source[], readProblems: Diagnostic[] = []): LoadResult => composeDesired(sources, readProblems, readPositioned);

/** Files, directories (their *.yaml and *.yml, recursively, sorted) and `-` for standard input. */
export function loadDesiredPaths(paths: string[], readStdin?: () => Buffer): LoadResult {
  const { sources, diagnostics } = readSources(paths, readStdin);
  return loadDesired(sources, diagnostics);
}

export const loadDesiredFile = (file: string) => loadDesiredPaths([file]);
export const loadDesiredText = (text: string, file: string) => loadDesired([{ file, text }]);
