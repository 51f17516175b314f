/**
 * Time as a port. Production uses the system clock; the simulator, tests and the demo use a
 * manual clock they advance themselves. Nothing under src/ outside adapters reads Date.now().
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  nowMs(): number;
  /** Resolves once `nowMs()` has reached `nowMs() + durationMs` (on a manual clock: when advanced). */
  sleep(durationMs: number): Promise<void>;
}
