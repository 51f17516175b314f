/**
 * A clock that moves only when told to. The simulator, the tests and the demo advance it
 * themselves, so no result ever depends on the wall clock.
 */
import type { Clock } from '../../ports/clock.ts';

interface Sleeper {
  readonly wakeAtMs: number;
  /** Insertion order: sleepers due at the same time wake in the order they went to sleep. */
  readonly order: number;
  readonly resolve: () => void;
}

export type AdvanceListener = (nowMs: number) => void;

export class ManualClock implements Clock {
  private currentMs: number;
  /** Sorted by (wakeAtMs, order): the next to wake is first, found without a scan. */
  private sleepers: Sleeper[] = [];
  private nextOrder = 0;
  private readonly listeners = new Set<AdvanceListener>();

  constructor(startMs = 0) {
    if (!Number.isFinite(startMs)) throw new RangeError(`startMs must be finite, got ${startMs}`);
    this.currentMs = startMs;
  }

  nowMs(): number {
    return this.currentMs;
  }

  /**
   * Resolves when the clock has been advanced to now + durationMs; at once for durationMs ≤ 0.
   * An aborted `signal` resolves it at once and forgets it (a loop woken early by other means
   * leaves no stale sleeper behind to slow every later advance).
   */
  sleep(durationMs: number, options?: { readonly signal?: AbortSignal }): Promise<void> {
    if (!(durationMs > 0)) return Promise.resolve();
    const signal = options?.signal;
    if (signal?.aborted === true) return Promise.resolve();
    return new Promise((resolve) => {
      let onAbort: (() => void) | undefined;
      const sleeper: Sleeper = {
        wakeAtMs: this.currentMs + durationMs,
        order: this.nextOrder++,
        resolve: () => {
          if (onAbort !== undefined) signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (signal !== undefined) {
        onAbort = () => {
          this.remove(sleeper);
          resolve();
        };
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.insert(sleeper);
    });
  }

  /**
   * Moves time forward by `durationMs`, waking sleepers in time order. Between wake-ups it yields
   * to the microtask queue so a woken task that sleeps again (a loop with `await clock.sleep`)
   * is woken again within the same advance when its next deadline is still inside the range.
   */
  async advance(durationMs: number): Promise<void> {
    if (!(durationMs >= 0)) throw new RangeError(`cannot advance by ${durationMs} ms`);
    await this.advanceTo(this.currentMs + durationMs);
  }

  /** Moves time forward to `targetMs` (never backwards). */
  async advanceTo(targetMs: number): Promise<void> {
    if (targetMs < this.currentMs) {
      throw new RangeError(`clock cannot go back from ${this.currentMs} to ${targetMs}`);
    }
    for (;;) {
      const next = this.sleepers[0];
      if (next === undefined || next.wakeAtMs > targetMs) break;
      this.sleepers.shift();
      this.setNow(Math.max(this.currentMs, next.wakeAtMs));
      next.resolve();
      // Let the woken task run up to its next await before looking for further sleepers.
      await flushMicrotasks();
    }
    this.setNow(targetMs);
  }

  /** Called after every change of `nowMs()`; returns a function that removes the listener. */
  onAdvance(listener: AdvanceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Number of pending `sleep` calls (tests use it to wait until a loop is parked). */
  pendingSleeps(): number {
    return this.sleepers.length;
  }

  private setNow(nowMs: number): void {
    if (nowMs === this.currentMs) return;
    this.currentMs = nowMs;
    for (const listener of this.listeners) listener(nowMs);
  }

  /** Inserts after every sleeper due at the same time or earlier (orders are increasing). */
  private insert(sleeper: Sleeper): void {
    const sleepers = this.sleepers;
    let low = 0;
    let high = sleepers.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (sleepers[middle]!.wakeAtMs <= sleeper.wakeAtMs) low = middle + 1;
      else high = middle;
    }
    sleepers.splice(low, 0, sleeper);
  }

  private remove(sleeper: Sleeper): void {
    const index = this.sleepers.indexOf(sleeper);
    if (index >= 0) this.sleepers.splice(index, 1);
  }
}

/** Runs every queued microtask (however long the awaited chain) before resolving. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
