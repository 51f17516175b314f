/**
 * What one online workload needs per slot: its demand at the provisioning quantile, divided by the
 * requests/s one replica serves, clamped to [min, max]. Near `now` the observed rate is a floor
 * (scale-in follows observed demand, not only the forecast).
 */
import { InputError } from '../domain/errors.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { OnlineWorkload } from '../domain/workload.ts';
import type { PlanningModel } from './planning-model.ts';
import { CAUSE } from './slot-causes.ts';

export interface BandChoice {
  readonly band: Float64Array;
  readonly quantile: number;
  /** Set when the exact quantile was missing and another band was used (without the workload name). */
  readonly note?: string;
}

/** The workload's quantile band, or the nearest higher one, or (none higher) the highest. */
export function chooseBand(forecast: Forecast, quantile: number, workloadName: string): BandChoice {
  const field = `forecasts.${workloadName}`;
  if (forecast.quantiles.length === 0 || forecast.bands.length !== forecast.quantiles.length) {
    throw new InputError(`forecast has ${forecast.quantiles.length} quantiles but ${forecast.bands.length} bands`, { source: 'planning input', field });
  }
  if (!(forecast.stepMs > 0)) throw new InputError(`forecast stepMs must be > 0, got ${forecast.stepMs}`, { source: 'planning input', field: `${field}.stepMs` });
  let chosen = -1;
  for (let k = 0; k < forecast.quantiles.length; k++) {
    const q = forecast.quantiles[k] as number;
    if (q >= quantile - 1e-9) {
      chosen = k;
      break;
    }
  }
  if (chosen >= 0) {
    const used = forecast.quantiles[chosen] as number;
    const exact = Math.abs(used - quantile) < 1e-9;
    return {
      band: forecast.bands[chosen] as Float64Array,
      quantile: used,
      ...(exact ? {} : { note: `forecast has no p${percentile(quantile)} band; used the next higher, p${percentile(used)}` }),
    };
  }
  const last = forecast.quantiles.length - 1;
  const used = forecast.quantiles[last] as number;
  return {
    band: forecast.bands[last] as Float64Array,
    quantile: used,
    note: `forecast has no band at or above p${percentile(quantile)}; used its highest, p${percentile(used)} (under-provisioned for the stated quantile)`,
  };
}

export function percentile(quantile: number): string {
  return String(Math.round(quantile * 1000) / 10);
}

export interface OnlineNeedArrays {
  readonly need: Int32Array;
  readonly demandRps: Float32Array;
  readonly causes: Uint8Array;
}

export interface OnlineNeedResult {
  readonly quantile?: number;
  /** Remarks about this workload, without its name (the plan groups workloads with the same remark). */
  readonly notes: readonly string[];
}

/**
 * Largest band value over the forecast buckets overlapping [fromMs, toMs); NaN when none is covered
 * or all are NaN (a gap is not zero demand).
 */
export function bandMaxOver(forecast: Forecast, band: Float64Array, fromMs: number, toMs: number): number {
  const first = Math.max(0, Math.floor((fromMs - forecast.startMs) / forecast.stepMs));
  const last = Math.min(band.length - 1, Math.ceil((toMs - forecast.startMs) / forecast.stepMs) - 1);
  let best = Number.NaN;
  for (let i = first; i <= last; i++) {
    const value = band[i] as number;
    if (value === value && !(value <= best)) best = value;
  }
  return best;
}

export function fillOnlineNeed(
  model: PlanningModel,
  workload: OnlineWorkload,
  forecast: Forecast | undefined,
  observed: { readonly demandRps?: number; readonly desiredReplicas?: number },
  out: OnlineNeedArrays,
): OnlineNeedResult {
  const notes: string[] = [];
  const { need, demandRps, causes } = out;
  const { minReplicas, maxReplicas, rpsPerReplica } = workload;
  const choice = forecast === undefined ? undefined : chooseBand(forecast, workload.demandQuantile, workload.name);
  if (choice?.note !== undefined) notes.push(choice.note);
  if (forecast === undefined) {
    notes.push(`no forecast; planned from ${observed.demandRps !== undefined ? 'the observed rate' : observed.desiredReplicas !== undefined ? 'its current replicas' : 'its minReplicas'}`);
  }
  const clamp = (replicas: number): number => (replicas < minReplicas ? minReplicas : replicas > maxReplicas ? maxReplicas : replicas);
  const replicasFor = (rps: number): number => Math.ceil(rps / rpsPerReplica - 1e-9);

  let lastCovered = Number.NaN;
  let uncoveredSlots = 0;
  for (let s = 0; s < model.slotCount; s++) {
    const fromMs = model.startMs + s * model.slotMs;
    let rps = choice === undefined || forecast === undefined ? Number.NaN : bandMaxOver(forecast, choice.band, fromMs, fromMs + model.slotMs);
    let cause: number = CAUSE.forecast;
    if (rps === rps) {
      lastCovered = rps;
    } else {
      // Not covered: carry the last forecast value, never below the observed rate.
      uncoveredSlots++;
      cause = CAUSE.noForecast;
      const observedRps = observed.demandRps ?? Number.NaN;
      rps = lastCovered === lastCovered ? (observedRps === observedRps ? Math.max(lastCovered, observedRps) : lastCovered) : observedRps;
    }
    demandRps[s] = rps;
    let raw: number;
    if (rps === rps) raw = replicasFor(Math.max(0, rps));
    else raw = observed.desiredReplicas ?? minReplicas;
    const replicas = clamp(raw);
    if (replicas > raw) cause = CAUSE.min;
    else if (replicas < raw) cause = CAUSE.max;
    need[s] = replicas;
    causes[s] = cause;
  }
  if (forecast !== undefined && uncoveredSlots > 0) {
    notes.push(`forecast does not cover ${uncoveredSlots} of ${model.slotCount} slots; they carry its last value (or the observed rate)`);
  }

  // Scale-in follows observed demand: until the stabilization window has passed, the plan does not
  // go below what the rate seen right now needs, whatever the forecast says.
  if (observed.demandRps !== undefined) {
    const observedNeed = replicasFor(observed.demandRps);
    const floorSlots = Math.min(model.slotCount, Math.max(1, model.stabilizationSlots));
    const floored = clamp(observedNeed);
    for (let s = 0; s < floorSlots; s++) {
      if (floored > (need[s] as number)) {
        need[s] = floored;
        causes[s] = floored < observedNeed ? CAUSE.max : CAUSE.observed;
      }
    }
  }
  return choice === undefined ? { notes } : { quantile: choice.quantile, notes };
}
