// The GitHub Action's entry point: action.yml runs its bundle, action/main.mjs, with the
// job's node. Built for old Node versions too, so that on one it can say which it needs.
import { runAction } from './action.js';

void runAction().then((code) => {
  process.exitCode = code;
});
