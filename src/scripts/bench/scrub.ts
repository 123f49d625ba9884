import { redactor } from '../../live/redact.js';

// The key scrubber runs on every line printed and every file written: its cost per MB on
// ordinary output (plan-like JSON), and on output full of echoes of the key's tail, at two
// sizes, so a cost that grows faster than the text shows as a ratio far above 4.

const KEY = 'cbs_live_Zq9xW2mK7pL4nR8tY1vB3cD';

function planLike(bytes: number, echoEvery: number): string {
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const name = echoEvery && i % echoEvery === 0 ? `Shop ${KEY.slice(-20)} ${i}` : `Organisation ${i} Ltd`;
    const line = `{"kind":"create_organisation","address":"organisation[\\"${name}\\"]","id":"org_${i.toString(16)}","changes":{"name":{"from":null,"to":"${name}"}},"depends_on":[],"status":"pending"},\n`;
    parts.push(line);
    size += line.length;
  }
  return parts.join('');
}

/** The fastest of a few runs: ms per MB for each size and text. */
export function benchScrub(): { text: string; mb: number; msPerMb: number }[] {
  const redact = redactor(KEY);
  const out: { text: string; mb: number; msPerMb: number }[] = [];
  for (const [text, echoEvery] of [['ordinary plan JSON', 0], ['plan JSON, every 4th name holding the key\'s tail', 4]] as const) {
    for (const mb of [4, 16]) {
      const t = planLike(mb * 1024 * 1024, echoEvery);
      let best = Infinity;
      for (let r = 0; r < 3; r++) {
        const start = performance.now();
        redact(t);
        best = Math.min(best, performance.now() - start);
      }
      out.push({ text, mb, msPerMb: best / mb });
    }
  }
  return out;
}
