import { createClient, type ClientOptions } from '../../src/live/client.js';

/** A client tuned for tests: no pacing, quick seeded backoff. */
export function testClient(baseUrl: string, apiKey: string, extra: Partial<ClientOptions> = {}) {
  let s = 12345;
  const random = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return createClient({ baseUrl, apiKey, maxRpm: 0, backoffBaseMs: 5, backoffMaxMs: 50, random, ...extra });
}
