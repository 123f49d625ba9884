// A very small progress line for a terminal's stderr: [#####.....] 5/12, 3 running.

export interface Progress {
  started(): void;
  /** an action ended; `wasRunning` when started() was called for it */
  finished(wasRunning: boolean): void;
  /** runs fn with the line cleared, so other output does not mix with it */
  around(fn: () => void): void;
  end(): void;
}

/**
 * `concurrency`: requests in flight at most. An action that has started may wait without a
 * slot (for a listing that looks for an uncertain create): those show as waiting, so the
 * running count never exceeds the concurrency asked for.
 */
export function progress(total: number, write: (s: string) => void, enabled: boolean, concurrency = Infinity): Progress {
  let done = 0;
  let active = 0;
  const width = 24;
  const draw = () => {
    if (!enabled) return;
    const filled = total ? Math.round((done / total) * width) : width;
    const running = Math.min(active, concurrency);
    const waiting = active - running;
    write(`\r\x1b[K[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${running ? `, ${running} running` : ''}${waiting ? `, ${waiting} waiting` : ''}`);
  };
  const clear = () => enabled && write('\r\x1b[K');
  return {
    started: () => {
      active++;
      draw();
    },
    finished: (wasRunning) => {
      if (wasRunning) active--;
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
