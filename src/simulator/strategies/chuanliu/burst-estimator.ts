/**
 * How bursty one workload's demand is second by second, beyond independent (Poisson) arrivals,
 * learned from what monitoring shows: pairs of (the rate of one second, the mean rate of the minute
 * that second ends). Requests arriving at λ/s independently spread by √λ per second; real traffic
 * spreads more (flash crowds, retries, clients in step), modelled as a relative extra spread `cv`:
 * per-second demand ≈ λ ± √(λ + (cv·λ)²).
 *
 * Robust estimate: the relative spread σ = median(|x − m| / m) / 0.6745 (the median absolute
 * deviation of a normal), minus the Poisson part 1/m in variance. A minute that ramps (a promotion
 * opening) widens a few samples; the median ignores them. Until enough samples arrived, the prior.
 */

/** Normal MAD → σ. */
const MAD_TO_SIGMA = 1 / 0.6745;

export class BurstEstimator {
  private readonly relativeDeviations: number[] = [];
  private readonly inverseMeans: number[] = [];
  private cached: number | undefined;

  constructor(private readonly options: { readonly priorCv: number; readonly minSamples: number; readonly maxSamples: number }) {}

  /** One second's rate `secondRps` and the mean `minuteRps` of the minute around it. */
  add(secondRps: number, minuteRps: number): void {
    if (!(Number.isFinite(secondRps) && Number.isFinite(minuteRps) && minuteRps > 0)) return;
    this.relativeDeviations.push(Math.abs(secondRps - minuteRps) / minuteRps);
    this.inverseMeans.push(1 / minuteRps);
    if (this.relativeDeviations.length > this.options.maxSamples) {
      // Keep the newest: traffic changes character over a day.
      this.relativeDeviations.splice(0, this.relativeDeviations.length - this.options.maxSamples);
      this.inverseMeans.splice(0, this.inverseMeans.length - this.options.maxSamples);
    }
    this.cached = undefined;
  }

  get samples(): number {
    return this.relativeDeviations.length;
  }

  /** Extra relative spread per second (0 = Poisson arrivals). */
  cv(): number {
    if (this.relativeDeviations.length < this.options.minSamples) return this.options.priorCv;
    if (this.cached === undefined) {
      const sigma = median(this.relativeDeviations) * MAD_TO_SIGMA;
      this.cached = Math.sqrt(Math.max(0, sigma * sigma - median(this.inverseMeans)));
    }
    return this.cached;
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
