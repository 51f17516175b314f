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

  /** Resolves when the clock has been advanced to now + durationMs; at once for durationMs ≤ 0. */
  sleep(durationMs: number): Promise<void> {
    if (!(durationMs > 0)) return Promise.resolve();
    return new Promise((resolve) => {
      this.sleepers.push({ wakeAtMs: this.currentMs + durationMs, order: this.nextOrder++, resolve });
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
      const next = this.earliestSleeper();
      if (next === undefined || next.wakeAtMs > targetMs) break;
      this.sleepers = this.sleepers.filter((sleeper) => sleeper !== next);
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

  private earliestSleeper(): Sleeper | undefined {
    let best: Sleeper | undefined;
    for (const sleeper of this.sleepers) {
      if (best === undefined || sleeper.wakeAtMs < best.wakeAtMs
        || (sleeper.wakeAtMs === best.wakeAtMs && sleeper.order < best.order)) {
        best = sleeper;
      }
    }
    return best;
  }
}

/** Runs every queued microtask (however long the awaited chain) before resolving. */
function flushMicrotasks(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
