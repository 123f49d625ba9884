// A very small progress line for a terminal's stderr: [#####.....] 5/12, 3 running.

export interface Progress {
  started(): void;
  /** an action ended; `wasRunning` when started() was called for it */
  finished(wasRunning: boolean): void;
  /** runs fn with the line cleared, so other output does not mix with it */
  around(fn: () => void): void;
  end(): void;
}

export function progress(total: number, write: (s: string) => void, enabled: boolean): Progress {
  let done = 0;
  let running = 0;
  const width = 24;
  const draw = () => {
    if (!enabled) return;
    const filled = total ? Math.round((done / total) * width) : width;
    write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${running ? `, ${running} running` : ''}`);
  };
  const clear = () => enabled && write('\r\x1b[K');
  return {
    started: () => {
      running++;
      draw();
    },
    finished: (wasRunning) => {
      if (wasRunning) running--;
      done++;
      draw();
    },
    around: (fn) => {
      clear();
      fn();
      draw();
    },
    end: clear,
  };
}
