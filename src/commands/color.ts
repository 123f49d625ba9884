import type { Io } from './io.js';

const off = (v: string | undefined) => v !== undefined && /^(0|false|no|off)$/i.test(v.trim());

/**
 * Colour for the stream written to. A flag wins over the environment: --color / --no-color;
 * then NO_COLOR (any value) off; FORCE_COLOR on, unless it says 0 or false; then on a
 * terminal unless TERM=dumb, or in CI (whose logs show it).
 */
export function useColor(io: Io, stream: 'stdout' | 'stderr' = 'stdout', flag?: boolean): boolean {
  if (flag !== undefined) return flag;
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR !== undefined) return !off(io.env.FORCE_COLOR);
  return (io.tty[stream] && io.env.TERM !== 'dumb') || !!io.env.CI;
}
