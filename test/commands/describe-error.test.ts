import { describe, expect, it } from 'vitest';
import { describeError } from '../../src/commands/errors.js';
import { planCommand } from '../../src/commands/plan.js';
import { ApiError } from '../../src/live/errors.js';
import { ADMIN, testIo } from '../helpers.js';

// A failure is one line, whatever its message holds: control characters shown escaped, none
// dropped (seen: a --target with a newline reported as `organisation["x`, the rest cut off).

describe('describeError', () => {
  it('plan --target with a newline: the whole address on one line, the newline escaped', async () => {
    const io = testIo({ CHARGEBACKSTOP_API_KEY: ADMIN });
    expect(await planCommand(['examples/desired.yaml'], { target: ['organisation["x\ny"] and more'] }, io)).toBe(1);
    expect(io.err()).toBe(
      'error: --target not an address: organisation["x\\x0ay"] and more (write organisation["NAME"] or organisation["NAME"].integration["NAME"]; * matches any characters in a name)\n',
    );
  });

  it('any message: one line, every control character escaped, nothing dropped', () => {
    expect(describeError(new Error('first\nsecond\tthird\u001b[31m red\r\n'))).toBe('error: first\\x0asecond\\x09third\\x1b[31m red');
    expect(describeError('::warning::forged\n::error::too')).toBe('error: ::warning::forged\\x0a::error::too');
    const api = new ApiError('the server said\nthis', { method: 'GET', path: '/v1/organisations', status: 500 });
    expect(describeError(api)).toBe('error: GET /v1/organisations: 500: the server said\\x0athis');
  });

  it('refused: the API URL hint for the API, the proxy\'s own for a proxy', () => {
    const refused = (message: string) => describeError(new ApiError(message, { method: 'GET', path: '/v1/organisations', kind: 'refused' }));
    expect(refused('connection refused by https://api.example.com')).toBe('error: GET /v1/organisations: refused: connection refused by https://api.example.com (is the API URL right and the server running?)');
    expect(refused('connection refused by the proxy http://127.0.0.1:3128 (is the proxy running, and HTTPS_PROXY right?)')).toBe(
      'error: GET /v1/organisations: refused: connection refused by the proxy http://127.0.0.1:3128 (is the proxy running, and HTTPS_PROXY right?)',
    );
  });
});
