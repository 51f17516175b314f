/**
 * Short-horizon correction on top of the base: how far the last bucket, the last hour and the last
 * day ran above or below their base tells how far the next buckets will, decaying with the lead.
 * One small linear model per anchor lead (1, 2, 3, 4, 6, 8, 12, … buckets ahead), fitted directly
 * for that lead (no error compounding) with a Huber loss so spikes in the history do not bend it;
 * leads between anchors interpolate the coefficients linearly.
 *
 * Features (all scaled residuals, see BaseStructure): intercept, last bucket, short window, long
 * window, the day-versus-week profile difference at the target bucket, and how far the target's
 * phase one week and one day earlier ran from the profile.
 */
import type { BaseStructure } from './base-structure.ts';
import { huberRidge, type DesignMatrix } from './least-squares.ts';

export const CORRECTION_FEATURES = 9;

export interface CorrectionWindows {
  /** Buckets of the short residual window (about an hour). */
  readonly shortWindow: number;
  /** Buckets of the long residual window (about a day). */
  readonly longWindow: number;
}

export interface CorrectionModel {
  readonly anchors: readonly number[];
  /** coefficients[a] = β for anchors[a]. */
  readonly coefficients: readonly Float64Array[];
  readonly windows: CorrectionWindows;
}

/** 1, 2, 3, 4, 6, 8, 12, 16, 24, … up to and including `horizon`. */
export function anchorLeads(horizon: number): number[] {
  const anchors: number[] = [];
  for (let power = 1; power <= horizon; power *= 2) {
    anchors.push(power);
    const between = Math.round(power * 1.5);
    if (power >= 2 && between <= horizon && between !== power) anchors.push(between);
  }
  if (horizon >= 3 && !anchors.includes(3)) anchors.push(3);
  if (!anchors.includes(horizon)) anchors.push(horizon);
  return [...new Set(anchors)].sort((a, b) => a - b);
}

/** Fills `out` with the features of (origin, target index); missing information counts as 0. */
export function correctionFeatures(structure: BaseStructure, windows: CorrectionWindows, origin: number, index: number, out: Float64Array): void {
  out[0] = 1;
  let last = structure.windowResidual(origin, 1);
  if (!Number.isFinite(last)) last = structure.windowResidual(origin, 3);
  out[1] = Number.isFinite(last) ? last : 0;
  const short = structure.windowResidual(origin, windows.shortWindow);
  out[2] = Number.isFinite(short) ? short : 0;
  const long = structure.windowResidual(origin, windows.longWindow);
  out[3] = Number.isFinite(long) ? long : 0;
  out[4] = structure.blend(origin, index);
  structure.lastCycleDeviations(origin, index, out, 5);
  const quarter = structure.windowResidual(origin, Math.max(2, Math.round(windows.shortWindow / 4)));
  out[7] = Number.isFinite(quarter) ? quarter : 0;
  const fourHours = structure.windowResidual(origin, Math.max(3, windows.shortWindow * 4));
  out[8] = Number.isFinite(fourHours) ? fourHours : 0;
}

export interface CorrectionFitOptions {
  readonly values: Float64Array;
  readonly structure: BaseStructure;
  readonly windows: CorrectionWindows;
  readonly horizon: number;
  /** Earliest origin used for fitting. */
  readonly fromOrigin: number;
  /** At most this many origins per anchor (evenly strided, most recent kept). */
  readonly maxOrigins: number;
  readonly ridge: number;
  readonly huberScale: number;
}

export function fitCorrection(options: CorrectionFitOptions): CorrectionModel {
  const { values, structure, windows } = options;
  const n = values.length;
  const anchors = anchorLeads(options.horizon);
  const features = new Float64Array(CORRECTION_FEATURES);
  const coefficients = anchors.map((lead) => {
    const lastOrigin = n - lead;
    const firstOrigin = Math.max(options.fromOrigin, structure.firstOrigin);
    const stride = Math.max(1, Math.ceil((lastOrigin - firstOrigin + 1) / options.maxOrigins));
    const capacity = Math.max(0, Math.floor((lastOrigin - firstOrigin) / stride) + 1);
    const x = new Float64Array(capacity * CORRECTION_FEATURES);
    const y = new Float64Array(capacity);
    let rows = 0;
    for (let origin = lastOrigin; origin >= firstOrigin; origin -= stride) {
      const index = origin + lead - 1;
      const actual = values[index] as number;
      const base = structure.base(origin, index);
      if (!Number.isFinite(actual) || !Number.isFinite(base)) continue;
      correctionFeatures(structure, windows, origin, index, features);
      for (let j = 0; j < CORRECTION_FEATURES; j++) x[rows * CORRECTION_FEATURES + j] = features[j] as number;
      y[rows] = (actual - base) / structure.scale(origin, index);
      rows++;
    }
    if (rows < CORRECTION_FEATURES * 3) return new Float64Array(CORRECTION_FEATURES);
    const design: DesignMatrix = { x: x.subarray(0, rows * CORRECTION_FEATURES), y: y.subarray(0, rows), rows, columns: CORRECTION_FEATURES };
    return huberRidge(design, { ridge: options.ridge, iterations: 2, huberScale: options.huberScale });
  });
  return { anchors, coefficients, windows };
}

/** The coefficients for `lead`, interpolated linearly between the anchors around it. */
export function coefficientsForLead(model: CorrectionModel, lead: number, out: Float64Array): void {
  const { anchors, coefficients } = model;
  let upper = anchors.findIndex((anchor) => anchor >= lead);
  if (upper < 0) upper = anchors.length - 1;
  const lower = Math.max(0, upper - 1);
  const a = anchors[lower] as number;
  const b = anchors[upper] as number;
  const weight = b === a ? 1 : Math.min(1, Math.max(0, (lead - a) / (b - a)));
  const low = coefficients[lower] as Float64Array;
  const high = coefficients[upper] as Float64Array;
  for (let j = 0; j < out.length; j++) out[j] = (low[j] as number) * (1 - weight) + (high[j] as number) * weight;
}

/** Point forecast of bucket origin + lead − 1 from `origin`. */
export function predictWithCorrection(
  structure: BaseStructure,
  model: CorrectionModel,
  origin: number,
  lead: number,
  scratch: { features: Float64Array; beta: Float64Array },
): number {
  const index = origin + lead - 1;
  const base = structure.base(origin, index);
  if (!Number.isFinite(base)) return Number.NaN;
  correctionFeatures(structure, model.windows, origin, index, scratch.features);
  coefficientsForLead(model, lead, scratch.beta);
  let correction = 0;
  for (let j = 0; j < CORRECTION_FEATURES; j++) correction += (scratch.features[j] as number) * (scratch.beta[j] as number);
  return base + structure.scale(origin, index) * correction;
}
