import type { Diagnostic } from '../model.js';
import { composeDesired, type LoadResult, type ReadExact } from './compose.js';
import { readSources, type Source } from './sources.js';

// The loader for `validate`, which most often meets files without a problem: the exact reader
// (and the yaml package, the slowest thing to load) is imported only when a file needs it.

class NeedsExact extends Error {}

const refuse: ReadExact = () => {
  throw new NeedsExact();
};

const attempt = <T>(fn: () => T): T | undefined => {
  try {
    return fn();
  } catch (e) {
    if (e instanceof NeedsExact) return undefined;
    throw e;
  }
};

async function compose(sources: Source[], problems: Diagnostic[]): Promise<LoadResult> {
  try {
    const r = composeDesired(sources, problems, refuse);
    // positions asked for later (none are, by validate) come without the exact reader
    return { ...r, locate: (file, path) => (attempt(() => r.locate(file, path)) ?? null) };
  } catch (e) {
    if (!(e instanceof NeedsExact)) throw e;
    const { readPositioned } = await import('./positioned.js');
    return composeDesired(sources, problems, readPositioned);
  }
}

/** As loadDesiredPaths, with the exact reader loaded on demand. */
export function loadDesiredPathsLazily(paths: string[], readStdin?: () => Buffer): Promise<LoadResult> {
  const { sources, diagnostics } = readSources(paths, readStdin);
  return compose(sources, diagnostics);
}
