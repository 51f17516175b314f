/**
 * One online workload's demand history as the chuanliu strategy knows it: the history before the
 * run (trace rows or synthetic earlier days), extended during the run only by what monitoring
 * reports — mean rates over windows that ended at least the metrics lag ago. Never the future.
 *
 * Observations arrive as consecutive windows [fromMs, toMs) with a mean rate; they are averaged
 * into the buffer's buckets (time-weighted, a window straddling a bucket edge is split). A bucket
 * is appended once its end has been observed; an unknown rate (NaN) leaves its share uncovered and
 * a bucket covered less than half becomes NaN (a gap, never zero demand).
 */
import type { RegularSeries } from '../../../domain/series.ts';

export class HistoryBuffer {
  readonly stepMs: number;
  readonly startMs: number;
  private values: Float64Array;
  private length: number;
  /** The bucket being filled: rate × ms observed, ms with a known rate, ms seen at all. */
  private partialSum = 0;
  private partialCoveredMs = 0;
  private partialSpanMs = 0;

  /** `prior` must end where observations will begin; without one the buffer starts empty at `startMs`. */
  constructor(options: { prior?: RegularSeries; stepMs: number; startMs: number; expectedBuckets?: number }) {
    const prior = options.prior;
    this.stepMs = prior?.stepMs ?? options.stepMs;
    this.startMs = prior?.startMs ?? options.startMs;
    const priorLength = prior?.values.length ?? 0;
    this.values = new Float64Array(Math.max(16, priorLength + (options.expectedBuckets ?? 0)));
    if (prior !== undefined) this.values.set(prior.values);
    this.length = priorLength;
  }

  /** End of the last complete bucket: observations before it are already accounted for. */
  get endMs(): number {
    return this.startMs + this.length * this.stepMs;
  }

  /** Finite buckets held. */
  finiteCount(): number {
    let count = 0;
    for (let index = 0; index < this.length; index++) if (Number.isFinite(this.values[index] as number)) count++;
    return count;
  }

  /** The last complete bucket's mean (NaN when none or a gap). */
  lastValue(): number {
    return this.length > 0 ? (this.values[this.length - 1] as number) : Number.NaN;
  }

  /**
   * Adds the mean rate observed over [fromMs, toMs). Windows must come in time order; the part of a
   * window before `endMs` plus the partial bucket (already recorded) is ignored.
   */
  observe(fromMs: number, toMs: number, rps: number): void {
    let cursor = Math.max(fromMs, this.endMs + this.partialSpanMs);
    while (cursor < toMs) {
      const bucketEndMs = this.endMs + this.stepMs;
      const pieceEndMs = Math.min(toMs, bucketEndMs);
      const pieceMs = pieceEndMs - cursor;
      if (Number.isFinite(rps)) {
        this.partialSum += rps * pieceMs;
        this.partialCoveredMs += pieceMs;
      }
      this.partialSpanMs += pieceMs;
      cursor = pieceEndMs;
      if (pieceEndMs >= bucketEndMs) this.closeBucket();
    }
  }

  /** The complete buckets as a series (a view: valid until the next `observe`). */
  series(unit = 'requests/s'): RegularSeries {
    return { startMs: this.startMs, stepMs: this.stepMs, values: this.values.subarray(0, this.length), unit };
  }

  private closeBucket(): void {
    const value = this.partialCoveredMs * 2 >= this.stepMs ? this.partialSum / this.partialCoveredMs : Number.NaN;
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length] = value;
    this.length += 1;
    this.partialSum = 0;
    this.partialCoveredMs = 0;
    this.partialSpanMs = 0;
  }
}
