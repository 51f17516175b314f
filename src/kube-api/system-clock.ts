/**
 * The wall clock, for kube-api run as a process (`chuanliu kube-api`). Tests use the simulator's
 * ManualClock instead. (If a shared system clock adapter appears, this can re-export it.)
 */
import type { Clock } from '../ports/clock.ts';

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  sleep: (durationMs) => new Promise((resolve) => setTimeout(resolve, Math.max(0, durationMs))),
};
