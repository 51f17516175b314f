/**
 * The wall clock, for kube-api run as a process (`chuanliu kube-api`). Tests use the simulator's
 * ManualClock instead. (If a shared system clock adapter appears, this can re-export it.)
 */
import type { Clock } from '../ports/clock.ts';

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  // An aborted sleep resolves at once and frees its timer: a closed adapter or queue must not keep
  // a command's process alive until its last backoff is over.
  sleep: (durationMs, options) => new Promise((resolve) => {
    const signal = options?.signal;
    const wake = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', wake);
      resolve();
    };
    const timer = setTimeout(wake, Math.max(0, durationMs));
    if (signal?.aborted === true) wake();
    else signal?.addEventListener('abort', wake, { once: true });
  }),
};
