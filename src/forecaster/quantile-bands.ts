/**
 * Quantile bands around a median forecast from calibrated replay errors (error-calibration.ts), and
 * the split of each upper band into ordinary noise and a reserve for unscheduled pulses: the lower
 * tail mirrored is what noise gives; the rest of the upper tail is pulses. Pure.
 */
import type { BandReserve } from '../domain/forecast.ts';
import { scaleFor, scaledErrorQuantile, type ErrorCalibration } from './error-calibration.ts';

export interface BandsInput {
  /** Median per output bucket. */
  readonly total: Float64Array;
  readonly calibration: ErrorCalibration;
  /** Lead of output bucket 0 (1 = the bucket right after the history). */
  readonly firstLead: number;
  /** Sorted ascending, in (0, 1). */
  readonly quantiles: readonly number[];
  readonly pulseReserve: boolean;
}

export function bandsAround(input: BandsInput): { bands: Float64Array[]; reserves: BandReserve[] } {
  const { total, calibration, quantiles } = input;
  const length = total.length;
  const bands = quantiles.map(() => new Float64Array(length));
  const upperQuantiles = quantiles.filter((quantile) => quantile > 0.5);
  const reserveValues = upperQuantiles.map(() => new Float64Array(length));
  for (let i = 0; i < length; i++) {
    const lead = input.firstLead + i;
    const level = total[i] as number;
    const scale = scaleFor(calibration, level);
    const median = scaledErrorQuantile(calibration, lead, 0.5);
    let previous = 0;
    quantiles.forEach((quantile, k) => {
      const offset = scaledErrorQuantile(calibration, lead, quantile) - median;
      let value = level + offset * scale;
      if (quantile > 0.5 && input.pulseReserve) {
        const mirrored = median - scaledErrorQuantile(calibration, lead, 1 - quantile);
        const reserve = Math.max(0, offset - Math.max(0, mirrored)) * scale;
        (reserveValues[upperQuantiles.indexOf(quantile)] as Float64Array)[i] = reserve;
      }
      if (Math.abs(quantile - 0.5) < 1e-12) value = level;
      value = Math.max(previous, value, 0);
      (bands[k] as Float64Array)[i] = value;
      previous = value;
    });
  }
  const reserves: BandReserve[] = input.pulseReserve
    ? upperQuantiles.map((quantile, k) => ({
      kind: 'pulse-reserve', name: `pulse-reserve:p${Number((quantile * 100).toPrecision(6))}`, quantile, values: reserveValues[k] as Float64Array,
    }))
    : [];
  return { bands, reserves };
}

/** True when every value of every band is a finite number. */
export function allFinite(arrays: readonly Float64Array[]): boolean {
  return arrays.every((values) => values.every(Number.isFinite));
}
