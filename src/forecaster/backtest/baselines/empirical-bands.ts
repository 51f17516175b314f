/**
 * Bands for baselines that have no error model of their own (seasonal naive, Holt-Winters): the
 * same empirical calibration chuanliu uses — replay the model from recent origins in the history,
 * take the quantiles of its errors per lead, scaled by the level as the history suggests — so
 * band widths compare like with like.
 */
import { calibrateErrors, collectLeadErrors, scaleFor, scaledErrorQuantile } from '../../error-calibration.ts';
import { anchorLeads } from '../../residual-correction.ts';
import { monotoneNonNegative } from '../model.ts';

export interface EmpiricalBandsInput {
  readonly history: Float64Array;
  readonly horizon: number;
  readonly quantiles: readonly number[];
  readonly point: Float64Array;
  /** Earliest origin the model can be replayed from. */
  readonly fromOrigin: number;
  readonly maxOrigins: number;
  /** Point forecast of bucket origin + lead − 1 from `origin`. */
  readonly predict: (origin: number, lead: number) => number;
}

export function empiricalBands(input: EmpiricalBandsInput): Float64Array[] {
  const anchors = anchorLeads(input.horizon);
  const samples = collectLeadErrors({
    values: input.history, anchors, fromOrigin: input.fromOrigin, maxOrigins: input.maxOrigins, predict: input.predict,
  });
  const calibration = calibrateErrors(samples, input.quantiles);
  const bands = input.quantiles.map((quantile) => Float64Array.from(input.point, (value, i) =>
    value + scaledErrorQuantile(calibration, i + 1, quantile) * scaleFor(calibration, value)));
  return monotoneNonNegative(bands);
}
