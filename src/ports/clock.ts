/**
 * Time as a port. Production uses the system clock; the simulator, tests and the demo use a
 * manual clock they advance themselves. Nothing under src/ outside adapters reads Date.now().
 */
export interface Clock {
  /** Current time, epoch milliseconds. */
  nowMs(): number;
  /**
   * Resolves once `nowMs()` has reached `nowMs() + durationMs` (on a manual clock: when advanced).
   * When `options.signal` aborts first, the sleep settles early (it may resolve or reject with the
   * signal's reason) and frees its timer, so a closed queue leaves nothing keeping the process
   * alive; callers that abort ignore the outcome. Implementations may ignore `options`.
   */
  sleep(durationMs: number, options?: { readonly signal?: AbortSignal }): Promise<void>;
}
