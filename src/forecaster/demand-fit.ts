/**
 * A workload's fit kept between forecast refreshes: refit daily, re-apply hourly.
 *
 * Nine tenths of a forecast's cost is fitting — the correction regressions over ~1,000 past origins
 * and the replay of those origins to calibrate the error quantiles (BENCHMARKS.md, *Forecast
 * refresh*). Those coefficients and error quantiles move little from one hourly refresh to the next
 * (two more buckets among a thousand). So a refresh reuses the workload's last fit while it is
 * younger than `refitAfterMs` and rebuilds only the seasonal base on the new history — levels, the
 * last hour's residuals and the calendar's events all come from the new data. Each workload refits
 * at its own age between ½ and 1 × `refitAfterMs` (a hash of its name picks where), so refits spread
 * over the refreshes instead of all landing on one.
 *
 * Pure: the age is measured from the forecast's `nowMs`, never from a clock. The encoded form is
 * plain JSON (the controller stores it in Redis beside the forecast); `decodeDemandFit` checks every
 * field so a damaged entry is refused (and refit), never half-used.
 */
import { InputError } from '../domain/errors.ts';
import type { CalibrationTable, ErrorCalibration } from './error-calibration.ts';
import type { ForecasterParams } from './params.ts';
import type { DetectedPeriod } from './period-detection.ts';
import type { CorrectionModel } from './residual-correction.ts';
import type { ReusableFit } from './statistical-fit.ts';

export const DEMAND_FIT_VERSION = 1;

export interface DemandFit {
  readonly version: typeof DEMAND_FIT_VERSION;
  readonly workload: string;
  /** The `nowMs` of the forecast that made the fit. */
  readonly fittedAtMs: number;
  /** Bucket, quantiles and forecaster settings it was fitted under (`fitSettings`): any change refits. */
  readonly settings: string;
  readonly statistical: ReusableFit;
}

/** Everything a fit depends on besides the history; `refitAfterMs` itself is left out (a new age limit does not void a fit). */
export function fitSettings(params: ForecasterParams, quantiles: readonly number[], stepMs: number): string {
  const { refitAfterMs: _notAFitSetting, ...rest } = params;
  return JSON.stringify({ ...rest, bucketMs: stepMs, quantiles });
}

/** When `workload`'s fit made at `fittedAtMs` is due for a refit: between ½ and 1 × refitAfterMs after it, by the workload's name. */
export function refitDueMs(workload: string, fittedAtMs: number, refitAfterMs: number): number {
  return fittedAtMs + refitAfterMs * (0.5 + 0.5 * unitHash(workload));
}

export type FitReuse = { readonly reuse: ReusableFit; readonly ageMs: number } | { readonly refitBecause: string };

/** Whether `prior` may be reused for a forecast at `nowMs` reaching `horizon` statistical buckets. */
export function fitToReuse(prior: DemandFit | undefined, request: {
  readonly workload: string; readonly nowMs: number; readonly settings: string; readonly horizon: number; readonly refitAfterMs: number;
}): FitReuse {
  if (prior === undefined) return { refitBecause: 'no earlier fit' };
  if (request.refitAfterMs <= 0) return { refitBecause: 'refitting every refresh (refitAfter 0)' };
  if (prior.workload !== request.workload) return { refitBecause: `the stored fit is of ${prior.workload}` };
  if (prior.settings !== request.settings) return { refitBecause: 'the bucket, quantiles or forecaster settings changed' };
  const ageMs = request.nowMs - prior.fittedAtMs;
  if (ageMs < 0) return { refitBecause: 'the stored fit is from after now' };
  if (request.nowMs >= refitDueMs(request.workload, prior.fittedAtMs, request.refitAfterMs)) return { refitBecause: 'the fit is due' };
  if (request.horizon > prior.statistical.horizon) return { refitBecause: `the forecast reaches ${request.horizon} buckets, the fit ${prior.statistical.horizon}` };
  return { reuse: prior.statistical, ageMs };
}

/** JSON text of a fit (NaN, which JSON cannot hold, is written as null). */
export function encodeDemandFit(fit: DemandFit): string {
  const { statistical } = fit;
  const table = statistical.calibration.table as CalibrationTable;
  return JSON.stringify({
    version: fit.version, workload: fit.workload, fittedAtMs: fit.fittedAtMs, settings: fit.settings,
    statistical: {
      periods: statistical.periods.map((period) => ({ ...period, autocorrelation: finiteOrNull(period.autocorrelation) })),
      cyclesLong: statistical.cyclesLong, smoothingHalfWidth: statistical.smoothingHalfWidth, levelWindow: statistical.levelWindow, horizon: statistical.horizon,
      corrections: statistical.corrections.map((correction) => ({ anchors: correction.anchors, coefficients: correction.coefficients.map(numbers), windows: correction.windows })),
      calibration: { anchors: statistical.calibration.anchors, exponent: statistical.calibration.exponent, floor: statistical.calibration.floor, quantiles: table.quantiles, values: table.values.map(numbers) },
    },
  });
}

/** Reads what `encodeDemandFit` wrote; InputError naming the field when anything is off. */
export function decodeDemandFit(text: string): DemandFit {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InputError(`stored fit is not JSON: ${(error as Error).message}`, { field: 'fit' });
  }
  const root = record(raw, 'fit');
  if (root['version'] !== DEMAND_FIT_VERSION) throw new InputError(`stored fit has version ${String(root['version'])}, expected ${DEMAND_FIT_VERSION}`, { field: 'fit.version' });
  const statistical = record(root['statistical'], 'fit.statistical');
  const calibration = record(statistical['calibration'], 'fit.statistical.calibration');
  const anchors = integers(calibration['anchors'], 'fit.statistical.calibration.anchors');
  const quantiles = numberList(calibration['quantiles'], 'fit.statistical.calibration.quantiles', false);
  const values = list(calibration['values'], 'fit.statistical.calibration.values').map((row, a) =>
    Float64Array.from(numberList(row, `fit.statistical.calibration.values[${a}]`, true)));
  if (values.length !== anchors.length || values.some((row) => row.length !== quantiles.length)) {
    throw new InputError('stored fit: calibration table is not anchors × quantiles', { field: 'fit.statistical.calibration.values' });
  }
  const corrections: CorrectionModel[] = list(statistical['corrections'], 'fit.statistical.corrections').map((item, m) => {
    const field = `fit.statistical.corrections[${m}]`;
    const correction = record(item, field);
    const correctionAnchors = integers(correction['anchors'], `${field}.anchors`);
    const coefficients = list(correction['coefficients'], `${field}.coefficients`).map((row, a) => Float64Array.from(numberList(row, `${field}.coefficients[${a}]`, false)));
    if (coefficients.length !== correctionAnchors.length) throw new InputError(`stored fit: ${field} has ${coefficients.length} coefficient rows for ${correctionAnchors.length} anchors`, { field });
    const windows = record(correction['windows'], `${field}.windows`);
    return {
      anchors: correctionAnchors, coefficients,
      windows: { shortWindow: integer(windows['shortWindow'], `${field}.windows.shortWindow`), longWindow: integer(windows['longWindow'], `${field}.windows.longWindow`) },
    };
  });
  if (corrections.length === 0) throw new InputError('stored fit has no correction', { field: 'fit.statistical.corrections' });
  const periods: DetectedPeriod[] = list(statistical['periods'], 'fit.statistical.periods').map((item, p) => {
    const period = record(item, `fit.statistical.periods[${p}]`);
    const label = period['label'];
    if (label !== 'daily' && label !== 'weekly' && label !== 'other') throw new InputError(`stored fit: unknown period label ${String(label)}`, { field: `fit.statistical.periods[${p}].label` });
    const autocorrelation = period['autocorrelation'];
    return {
      periodBuckets: integer(period['periodBuckets'], `fit.statistical.periods[${p}].periodBuckets`),
      autocorrelation: typeof autocorrelation === 'number' ? autocorrelation : Number.NaN,
      label,
    };
  });
  const errorCalibration: ErrorCalibration = {
    anchors, sortedScaledErrors: [],
    exponent: finite(calibration['exponent'], 'fit.statistical.calibration.exponent'),
    floor: finite(calibration['floor'], 'fit.statistical.calibration.floor'),
    table: { quantiles, values },
  };
  return {
    version: DEMAND_FIT_VERSION,
    workload: stringField(root['workload'], 'fit.workload'),
    fittedAtMs: finite(root['fittedAtMs'], 'fit.fittedAtMs'),
    settings: stringField(root['settings'], 'fit.settings'),
    statistical: {
      periods,
      cyclesLong: integer(statistical['cyclesLong'], 'fit.statistical.cyclesLong'),
      smoothingHalfWidth: integer(statistical['smoothingHalfWidth'], 'fit.statistical.smoothingHalfWidth'),
      levelWindow: integer(statistical['levelWindow'], 'fit.statistical.levelWindow'),
      horizon: integer(statistical['horizon'], 'fit.statistical.horizon'),
      corrections,
      calibration: errorCalibration,
    },
  };
}

/** FNV-1a of the name, in [0, 1). */
function unitHash(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) / 2 ** 32;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

function numbers(values: Float64Array): (number | null)[] {
  return Array.from(values, finiteOrNull);
}

function record(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new InputError(`stored fit: ${field} is not an object`, { field });
  return value as Record<string, unknown>;
}

function list(value: unknown, field: string): unknown[] {
  if (!Array.isArray(value)) throw new InputError(`stored fit: ${field} is not a list`, { field });
  return value;
}

function numberList(value: unknown, field: string, nullIsNaN: boolean): number[] {
  return list(value, field).map((item, index) => {
    if (item === null && nullIsNaN) return Number.NaN;
    return finite(item, `${field}[${index}]`);
  });
}

function integers(value: unknown, field: string): number[] {
  return list(value, field).map((item, index) => integer(item, `${field}[${index}]`));
}

function finite(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InputError(`stored fit: ${field} is not a finite number`, { field });
  return value;
}

function integer(value: unknown, field: string): number {
  const number = finite(value, field);
  if (!Number.isInteger(number) || number < 0) throw new InputError(`stored fit: ${field} is not a whole number ≥ 0`, { field });
  return number;
}

function stringField(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InputError(`stored fit: ${field} is not a string`, { field });
  return value;
}
