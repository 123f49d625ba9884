import { afterEach } from 'vitest';
import { checkCapturedOutput } from './helpers.js';

// Every command output captured by any test is searched for the canary keys.
afterEach(() => {
  checkCapturedOutput();
});
