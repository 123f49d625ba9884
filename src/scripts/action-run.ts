// The GitHub Action itself, as action/main.mjs imports it (bundled as action/action.mjs) once
// it has checked that this node can run it.
import { runAction } from './action.js';

void runAction().then((code) => {
  process.exitCode = code;
});
