// PURE. The Node version the action needs, checked by action/main.mjs before it loads anything
// else: main.mjs is built from action-main.ts for ES2017, so that an old node parses it and
// says what to do instead of failing on newer syntax. (action.ts says the same, in the same words.)

export const MIN_NODE = 20;

/** Null when this Node can run cbsync, else what to do about it. */
export function nodeProblem(version: string): string | null {
  const m = /^v?(\d+)\./.exec(version);
  if (m && Number(m[1]) >= MIN_NODE) return null;
  return `cbsync needs Node.js ${MIN_NODE} or later, and the node on this job's PATH is ${version}. Add a step before this one: uses: actions/setup-node@v4 with node-version: ${MIN_NODE} (or later)`;
}

/** The action's outputs when it stops before running cbsync (action.yml's outputs, in its order). */
export const STOPPED_OUTPUTS: Record<string, string> = { exitcode: '1', 'has-changes': 'false', 'plan-json': '', 'plan-markdown': '', 'report-json': '' };
