/**
 * Seeded randomness for everything that must be reproducible (synthetic traffic, startup times in
 * the simulator, property tests). The pure core never calls Math.random; it takes an `Rng`.
 */

/** Returns uniform numbers in [0, 1). Same seed, same sequence. */
export type Rng = () => number;

/** SplitMix32 finaliser: spreads nearby seeds (0, 1, 2…) over the whole 32-bit state space. */
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/**
 * A Mulberry32 generator seeded through SplitMix32. Fast, 32-bit state, period 2^32 — plenty for
 * simulations of a few days at 1 s resolution; not for cryptography.
 * The seed may be any finite number; it is reduced to 32 bits.
 */
export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new RangeError(`seed must be a finite number, got ${seed}`);
  let state = mix32(Math.trunc(seed) | 0);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed for an independent stream named `label` under `seed`, so adding a draw in one part of a
 * simulation (say, startup times) does not shift the draws of another (say, traffic noise).
 */
export function deriveSeed(seed: number, label: string): number {
  let hash = mix32(Math.trunc(seed) | 0);
  for (let index = 0; index < label.length; index += 1) {
    hash = mix32(hash ^ label.charCodeAt(index));
  }
  return hash;
}

/** A standard normal draw (Box–Muller; one of the pair is discarded to keep the stream stateless). */
export function normalDraw(rng: Rng): number {
  // 1 − u lies in (0, 1], so the logarithm is finite.
  const radius = Math.sqrt(-2 * Math.log(1 - rng()));
  return radius * Math.cos(2 * Math.PI * rng());
}

/** A lognormal draw: exp(mu + sigma·Z), Z standard normal. Median = exp(mu). */
export function lognormalDraw(rng: Rng, params: { mu: number; sigma: number }): number {
  return Math.exp(params.mu + params.sigma * normalDraw(rng));
}

/** z such that P(Z ≤ z) = 0.95 for a standard normal Z. */
const Z_95 = 1.6448536269514722;

/**
 * Lognormal parameters from a median and a 95th percentile, the way startup times are specified
 * (p50/p95). p95 = p50 gives a constant.
 */
export function lognormalFromMedianP95(p50: number, p95: number): { mu: number; sigma: number } {
  if (!(p50 > 0) || !(p95 >= p50)) throw new RangeError(`need 0 < p50 ≤ p95, got p50=${p50}, p95=${p95}`);
  return { mu: Math.log(p50), sigma: Math.log(p95 / p50) / Z_95 };
}

/** Multiplicative noise with mean 1 and coefficient of variation `cv` (lognormal); cv = 0 → 1. */
export function unitMeanNoise(rng: Rng, cv: number): number {
  if (cv <= 0) return 1;
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  return lognormalDraw(rng, { mu: -0.5 * sigma * sigma, sigma });
}
