// The GitHub Action's entry point: action.yml runs its bundle, action/main.mjs, with the job's
// node, whatever its version. Built for ES2017 and importing nothing statically, it parses on
// old Nodes and says which one cbsync needs (an error annotation, exit 1, the outputs of a run
// that stopped before cbsync); only on Node 20 or later does it import the action itself,
// action/action.mjs, which an old node cannot parse.
import { nodeProblem, STOPPED_OUTPUTS } from './node-check.js';

/** beside main.mjs in action/ (left out of its bundle) */
const ACTION = './action.mjs';

const problem = nodeProblem(process.versions.node);
if (problem) {
  process.stderr.write(`::error title=cbsync::${problem}\n`);
  process.exitCode = 1;
  const outputs = Object.keys(STOPPED_OUTPUTS)
    .map((k) => `${k}=${STOPPED_OUTPUTS[k]}\n`)
    .join('');
  const file = process.env.GITHUB_OUTPUT;
  // 'fs', not 'node:fs': Node before 12.20 knows only the bare name
  if (file) void import('fs').then((fs) => fs.appendFileSync(file, outputs));
  else process.stdout.write(outputs);
} else {
  void import(ACTION);
}
