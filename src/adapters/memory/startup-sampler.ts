/**
 * Startup times of simulated pods (scheduled → Ready), drawn from each workload's stated p50/p95.
 *
 * Model: a lognormal with median p50 whose 95th percentile is p95, truncated at its 99.9th
 * percentile. The truncation gives the simulated world a known worst case (`maxMs`), which the
 * oracle strategy uses as its lead time; without it a one-in-a-million draw of hours would
 * dominate any comparison.
 */
import { createRng, lognormalFromMedianP95, normalDraw, type Rng } from '../../domain/random.ts';
import type { StartupDistribution } from '../../domain/workload.ts';

/** z such that P(Z ≤ z) = 0.999 for a standard normal Z. */
const Z_999 = 3.090232306167813;

export class StartupSampler {
  private readonly rng: Rng;
  private readonly mu: number;
  private readonly sigma: number;
  /** The longest startup this sampler ever returns. */
  readonly maxMs: number;

  constructor(distribution: StartupDistribution, seed: number) {
    this.rng = createRng(seed);
    if (distribution.p50Ms <= 0) {
      // Instant startup (offline workers without a stated startup time).
      this.mu = -Infinity;
      this.sigma = 0;
      this.maxMs = 0;
      return;
    }
    const params = lognormalFromMedianP95(distribution.p50Ms, Math.max(distribution.p50Ms, distribution.p95Ms));
    this.mu = params.mu;
    this.sigma = params.sigma;
    this.maxMs = startupMaxMs(distribution);
  }

  nextMs(): number {
    if (this.maxMs === 0) return 0;
    if (this.sigma === 0) return this.maxMs;
    // Clamping (rather than redrawing) keeps one draw per pod, so streams stay aligned across runs.
    const z = Math.min(Z_999, normalDraw(this.rng));
    return Math.min(this.maxMs, Math.max(0, Math.round(Math.exp(this.mu + z * this.sigma))));
  }
}

/** The worst-case startup of a distribution under the same truncation, without drawing. */
export function startupMaxMs(distribution: StartupDistribution): number {
  if (distribution.p50Ms <= 0) return 0;
  const { mu, sigma } = lognormalFromMedianP95(distribution.p50Ms, Math.max(distribution.p50Ms, distribution.p95Ms));
  // Whole milliseconds: a p50 of 10 s must mean 10,000 ms, not 10,000.000000000002.
  return Math.round(Math.exp(mu + Z_999 * sigma));
}
