/**
 * Resampling a rate series to coarser buckets by time-weighted mean. Works for any ratio and any
 * alignment (the NAB Twitter file starts at :42:53, so its 5-minute buckets straddle the hours
 * of an hourly grid): each source bucket contributes its rate weighted by how much of the target
 * bucket it overlaps, assuming arrivals are spread evenly inside a source bucket.
 */

export interface ResampleInput {
  startMs: number;
  stepMs: number;
  /** Rates per source bucket; NaN = no observation. */
  rates: Float64Array;
  /** 1 where a NaN comes from an outage (not a plain gap), for the report's accounting. */
  outageMask: Uint8Array;
}

export interface ResampleResult {
  startMs: number;
  stepMs: number;
  rates: Float64Array;
  outageMask: Uint8Array;
}

/**
 * A target bucket gets a value when observations cover at least this share of it; below that the
 * mean would rest on too little of the bucket (e.g. half an hour of data standing for a day).
 */
export const MIN_COVERED_SHARE = 0.5;

/** Target buckets are aligned to multiples of `bucketMs` since the Unix epoch (UTC). */
export function resampleMeanRate(input: ResampleInput, bucketMs: number): ResampleResult {
  const sourceEndMs = input.startMs + input.rates.length * input.stepMs;
  const startMs = Math.floor(input.startMs / bucketMs) * bucketMs;
  const count = Math.max(1, Math.ceil((sourceEndMs - startMs) / bucketMs));
  const weightedSum = new Float64Array(count);
  const coveredMs = new Float64Array(count);
  const outageMask = new Uint8Array(count);

  for (let index = 0; index < input.rates.length; index++) {
    const rate = input.rates[index] as number;
    const isOutage = input.outageMask[index] === 1;
    let fromMs = input.startMs + index * input.stepMs;
    const toMs = fromMs + input.stepMs;
    while (fromMs < toMs) {
      const target = Math.floor((fromMs - startMs) / bucketMs);
      const targetEndMs = startMs + (target + 1) * bucketMs;
      const overlapMs = Math.min(toMs, targetEndMs) - fromMs;
      if (!Number.isNaN(rate)) {
        weightedSum[target] = (weightedSum[target] as number) + rate * overlapMs;
        coveredMs[target] = (coveredMs[target] as number) + overlapMs;
      } else if (isOutage) {
        outageMask[target] = 1;
      }
      fromMs += overlapMs;
    }
  }

  const rates = new Float64Array(count);
  for (let target = 0; target < count; target++) {
    const covered = coveredMs[target] as number;
    rates[target] = covered >= MIN_COVERED_SHARE * bucketMs ? (weightedSum[target] as number) / covered : Number.NaN;
    if (!Number.isNaN(rates[target] as number)) outageMask[target] = 0;
  }
  return { startMs, stepMs: bucketMs, rates, outageMask };
}
