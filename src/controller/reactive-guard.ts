/**
 * The reactive guard's maths: a pure state machine per online workload. It watches the observed
 * rate against the forecast band (the upper quantile the workload is provisioned for) and, when
 * demand leaves the band for `consecutiveSamples` samples in a row (an unforecast livestream pulse),
 * decides at once: an emergency floor sized from the observed rate, capacity taken from offline
 * work by ascending priority, and a forecast-miss record. It holds the floor for a cool-down and
 * lets go only after demand has been back inside the band for a stabilization window.
 *
 * Effects (writing the floor through the Cluster port) live in guard-loop.ts.
 */
import { GUARD_DEFAULTS } from '../domain/guard-defaults.ts';
import type { OfflineWorkload, OnlineWorkload } from '../domain/workload.ts';

export interface GuardConfig {
  /** A sample breaches when observed > band × (1 + toleranceFraction). @defaultValue 0.1 */
  readonly toleranceFraction: number;
  /** Breaching samples in a row that trigger an emergency. @defaultValue GUARD_DEFAULTS.consecutiveSamples (2) */
  readonly consecutiveSamples: number;
  /** Emergency capacity = observed × headroomFactor. @defaultValue GUARD_DEFAULTS.headroomFactor (1.5) */
  readonly headroomFactor: number;
  /** Least time an emergency floor is held. @defaultValue 5 min */
  readonly coolDownMs: number;
  /** Demand must stay inside the band (observed ≤ band) this long before the floor is released. @defaultValue 5 min */
  readonly stabilizationMs: number;
  /**
   * The floor is sized on the rate this far ahead along its trend over the detection window (the
   * breaching samples), when that is above observed × headroom: a climbing pulse is met where it
   * will be when the capacity is Ready, not where the lagged rate was. 0 = level only.
   * @defaultValue GUARD_DEFAULTS.trendHorizonMs (60 s; see src/domain/guard-defaults.ts for what was measured)
   */
  readonly trendHorizonMs: number;
}

/** GUARD_DEFAULTS: one set for the controller config, the guard and the simulator. */
export const DEFAULT_GUARD_CONFIG: GuardConfig = { ...GUARD_DEFAULTS };

export interface GuardSample {
  readonly timeMs: number;
  /** Live request rate; NaN = no trustworthy sample (never read as zero demand). */
  readonly observedRps: number;
  /** The forecast band at that time (the upper quantile); NaN = no forecast for that time. */
  readonly bandRps: number;
}

/** A forecast miss: demand left the band the plan was made for. */
export interface ForecastMiss {
  readonly workload: string;
  /** First breaching sample of the run that triggered the emergency. */
  readonly startMs: number;
  /** Observed rate when the emergency was declared. */
  readonly observedRps: number;
  readonly bandRps: number;
  /** Highest observed rate during the emergency (so far). */
  readonly peakObservedRps: number;
  /** Set when the floor was released. */
  readonly endMs?: number;
}

export interface OfflineHolding {
  readonly workload: OfflineWorkload;
  /** Replicas it holds now (or its current cap). */
  readonly replicas: number;
}

/** What the guard needs to know about the cluster to size and fund an emergency. */
export interface GuardCapacityContext {
  readonly workload: OnlineWorkload;
  /** Replicas the workload has (or will have) without the guard. */
  readonly currentReplicas: number;
  /** Allocatable not held by any managed workload. */
  readonly freeCpuMillicores: number;
  readonly freeMemoryBytes: number;
  readonly offline: readonly OfflineHolding[];
}

/** An offline workload lowered to make room, with its new cap. */
export interface OfflineCap {
  readonly workload: string;
  readonly fromReplicas: number;
  readonly toReplicas: number;
}

export type GuardDecision =
  | {
    /** `engage`: a new emergency; `raise`: the emergency floor goes up (demand kept climbing). */
    readonly kind: 'engage' | 'raise';
    readonly workload: string;
    readonly atMs: number;
    /** Emergency floor: ceil(observed × headroom / rps per replica), within min/max and what fits. */
    readonly targetReplicas: number;
    /** What observed × headroom asked for before capacity limits. */
    readonly wantedReplicas: number;
    /** Replicas wanted but not fundable (no free capacity, offline at its minimum). */
    readonly shortfallReplicas: number;
    readonly offlineCaps: readonly OfflineCap[];
    readonly miss: ForecastMiss;
    readonly message: string;
  }
  | {
    readonly kind: 'release';
    readonly workload: string;
    readonly atMs: number;
    readonly miss: ForecastMiss;
    readonly message: string;
  };

export type GuardState =
  | {
    readonly phase: 'watching';
    readonly breachCount: number;
    /** Time of the first breaching sample of the current run. */
    readonly breachStartMs?: number;
    /** Observed rate of that sample (the start of the trend). */
    readonly breachStartRps?: number;
  }
  | {
    readonly phase: 'emergency';
    readonly engagedAtMs: number;
    readonly floorReplicas: number;
    readonly miss: ForecastMiss;
    /** Since when every sample has been inside the band; undefined while outside or unknown. */
    readonly insideSinceMs?: number;
    /** The previous known sample (the trend of a raise). */
    readonly lastSample?: { readonly timeMs: number; readonly rps: number };
  };

export const INITIAL_GUARD_STATE: GuardState = { phase: 'watching', breachCount: 0 };

export function validateGuardConfig(config: GuardConfig): void {
  const problems: string[] = [];
  if (!(config.toleranceFraction >= 0)) problems.push(`toleranceFraction must be ≥ 0, got ${config.toleranceFraction}`);
  if (!(config.consecutiveSamples >= 1) || !Number.isInteger(config.consecutiveSamples)) problems.push(`consecutiveSamples must be a whole number ≥ 1, got ${config.consecutiveSamples}`);
  if (!(config.headroomFactor >= 1)) problems.push(`headroomFactor must be ≥ 1, got ${config.headroomFactor}`);
  if (!(config.coolDownMs >= 0)) problems.push(`coolDownMs must be ≥ 0, got ${config.coolDownMs}`);
  if (!(config.stabilizationMs >= 0)) problems.push(`stabilizationMs must be ≥ 0, got ${config.stabilizationMs}`);
  if (!(config.trendHorizonMs >= 0)) problems.push(`trendHorizonMs must be ≥ 0, got ${config.trendHorizonMs}`);
  if (problems.length > 0) throw new RangeError(`guard config: ${problems.join('; ')}`);
}

/**
 * Feeds one sample to the state machine. Samples must come in time order. A sample without an
 * observation or a band decides nothing: it neither counts as a breach nor as calm (missing data
 * never releases capacity), and it interrupts a stabilization window.
 */
export function observeGuard(
  state: GuardState,
  sample: GuardSample,
  config: GuardConfig,
  context: GuardCapacityContext,
): { state: GuardState; decision?: GuardDecision } {
  const known = Number.isFinite(sample.observedRps) && Number.isFinite(sample.bandRps);
  const breach = known && sample.observedRps > sample.bandRps * (1 + config.toleranceFraction);
  const inside = known && sample.observedRps <= sample.bandRps;
  const name = context.workload.name;

  if (state.phase === 'watching') {
    if (!known) return { state };
    if (!breach) return { state: INITIAL_GUARD_STATE };
    const breachStartMs = state.breachStartMs ?? sample.timeMs;
    const breachStartRps = state.breachStartRps ?? sample.observedRps;
    const breachCount = state.breachCount + 1;
    if (breachCount < config.consecutiveSamples) return { state: { phase: 'watching', breachCount, breachStartMs, breachStartRps } };
    const sizing = sizeEmergency(projectedRps({ timeMs: breachStartMs, rps: breachStartRps }, sample, config), config, context);
    const miss: ForecastMiss = {
      workload: name, startMs: breachStartMs, observedRps: sample.observedRps, bandRps: sample.bandRps, peakObservedRps: sample.observedRps,
    };
    return {
      state: { phase: 'emergency', engagedAtMs: sample.timeMs, floorReplicas: sizing.targetReplicas, miss, lastSample: { timeMs: sample.timeMs, rps: sample.observedRps } },
      decision: {
        kind: 'engage', workload: name, atMs: sample.timeMs, ...sizing, miss,
        message: `${name}: observed ${formatRps(sample.observedRps)} rps left the forecast band ${formatRps(sample.bandRps)} rps`
          + ` for ${breachCount} samples since ${new Date(breachStartMs).toISOString()}; emergency floor ${sizing.targetReplicas} replicas`
          + describeFunding(sizing),
      },
    };
  }

  const miss: ForecastMiss = known && sample.observedRps > state.miss.peakObservedRps
    ? { ...state.miss, peakObservedRps: sample.observedRps }
    : state.miss;
  const lastSample = known ? { timeMs: sample.timeMs, rps: sample.observedRps } : state.lastSample;
  if (breach) {
    const rate = state.lastSample === undefined ? sample.observedRps : projectedRps(state.lastSample, sample, config);
    const sizing = sizeEmergency(rate, config, { ...context, currentReplicas: Math.max(context.currentReplicas, state.floorReplicas) });
    if (sizing.targetReplicas > state.floorReplicas) {
      return {
        state: { phase: 'emergency', engagedAtMs: state.engagedAtMs, floorReplicas: sizing.targetReplicas, miss, ...(lastSample !== undefined ? { lastSample } : {}) },
        decision: {
          kind: 'raise', workload: name, atMs: sample.timeMs, ...sizing, miss,
          message: `${name}: observed ${formatRps(sample.observedRps)} rps still above the band ${formatRps(sample.bandRps)} rps;`
            + ` emergency floor ${state.floorReplicas}→${sizing.targetReplicas} replicas${describeFunding(sizing)}`,
        },
      };
    }
  }
  const insideSinceMs = inside ? (state.insideSinceMs ?? sample.timeMs) : undefined;
  const held: GuardState = {
    phase: 'emergency', engagedAtMs: state.engagedAtMs, floorReplicas: state.floorReplicas, miss,
    ...(insideSinceMs !== undefined ? { insideSinceMs } : {}),
    ...(lastSample !== undefined ? { lastSample } : {}),
  };
  const coolDownOver = sample.timeMs - state.engagedAtMs >= config.coolDownMs;
  const stable = insideSinceMs !== undefined && sample.timeMs - insideSinceMs >= config.stabilizationMs;
  if (!coolDownOver || !stable) return { state: held };
  const ended: ForecastMiss = { ...miss, endMs: sample.timeMs };
  return {
    state: INITIAL_GUARD_STATE,
    decision: {
      kind: 'release', workload: name, atMs: sample.timeMs, miss: ended,
      message: `${name}: demand back inside the band since ${new Date(insideSinceMs).toISOString()}; emergency floor ${state.floorReplicas} released to the plan`,
    },
  };
}

/**
 * The rate the floor is sized on (before headroom): the observed rate, or where it climbs, the
 * rate `trendHorizonMs` ahead on the straight line from `from` to `sample` when that is higher than
 * observed × headroom (so a steady breach keeps the level sizing, a climbing one is met ahead).
 */
export function projectedRps(from: { readonly timeMs: number; readonly rps: number }, sample: GuardSample, config: GuardConfig): number {
  const spanMs = sample.timeMs - from.timeMs;
  if (!(spanMs > 0) || !(config.trendHorizonMs > 0) || !Number.isFinite(from.rps)) return sample.observedRps;
  const slopeRpsPerMs = (sample.observedRps - from.rps) / spanMs;
  if (!(slopeRpsPerMs > 0)) return sample.observedRps;
  const ahead = sample.observedRps + slopeRpsPerMs * config.trendHorizonMs;
  // sizeEmergency multiplies by the headroom: the projection replaces it only where it is higher.
  return Math.max(sample.observedRps, ahead / config.headroomFactor);
}

interface EmergencySizing {
  readonly targetReplicas: number;
  readonly wantedReplicas: number;
  readonly shortfallReplicas: number;
  readonly offlineCaps: readonly OfflineCap[];
}

/**
 * Sizes the emergency floor from the observed rate and funds it: free capacity first, then offline
 * replicas taken by ascending priority (each down to its minimum). What cannot be funded is a
 * shortfall; the floor is then what fits, never below what the workload already has.
 */
export function sizeEmergency(observedRps: number, config: GuardConfig, context: GuardCapacityContext): EmergencySizing {
  const { workload } = context;
  const fromRate = Math.ceil((observedRps * config.headroomFactor) / workload.rpsPerReplica);
  const wantedReplicas = Math.min(workload.maxReplicas, Math.max(workload.minReplicas, fromRate));
  const current = context.currentReplicas;
  if (wantedReplicas <= current) return { targetReplicas: Math.max(wantedReplicas, current), wantedReplicas, shortfallReplicas: 0, offlineCaps: [] };

  const perCpu = workload.perReplica.cpuMillicores;
  const perMemory = workload.perReplica.memoryBytes;
  let needCpu = (wantedReplicas - current) * perCpu - Math.max(0, context.freeCpuMillicores);
  let needMemory = (wantedReplicas - current) * perMemory - Math.max(0, context.freeMemoryBytes);
  let freedCpu = 0;
  let freedMemory = 0;
  const offlineCaps: OfflineCap[] = [];
  const donors = [...context.offline].sort((a, b) => a.workload.priority - b.workload.priority || (a.workload.name < b.workload.name ? -1 : 1));
  for (const donor of donors) {
    if (needCpu <= 0 && needMemory <= 0) break;
    const spare = donor.replicas - donor.workload.minReplicas;
    if (spare <= 0) continue;
    const cpu = donor.workload.perReplica.cpuMillicores;
    const memory = donor.workload.perReplica.memoryBytes;
    const forCpu = needCpu > 0 && cpu > 0 ? Math.ceil(needCpu / cpu) : 0;
    const forMemory = needMemory > 0 && memory > 0 ? Math.ceil(needMemory / memory) : 0;
    const taken = Math.min(spare, Math.max(forCpu, forMemory));
    if (taken <= 0) continue;
    offlineCaps.push({ workload: donor.workload.name, fromReplicas: donor.replicas, toReplicas: donor.replicas - taken });
    needCpu -= taken * cpu;
    needMemory -= taken * memory;
    freedCpu += taken * cpu;
    freedMemory += taken * memory;
  }
  if (needCpu <= 0 && needMemory <= 0) return { targetReplicas: wantedReplicas, wantedReplicas, shortfallReplicas: 0, offlineCaps };
  const availableCpu = Math.max(0, context.freeCpuMillicores) + freedCpu;
  const availableMemory = Math.max(0, context.freeMemoryBytes) + freedMemory;
  const fitting = Math.min(
    perCpu > 0 ? Math.floor(availableCpu / perCpu) : Infinity,
    perMemory > 0 ? Math.floor(availableMemory / perMemory) : Infinity,
  );
  const targetReplicas = Math.max(current, Math.min(wantedReplicas, current + fitting));
  return { targetReplicas, wantedReplicas, shortfallReplicas: wantedReplicas - targetReplicas, offlineCaps };
}

function describeFunding(sizing: EmergencySizing): string {
  const taken = sizing.offlineCaps.map((cap) => `${cap.workload} ${cap.fromReplicas}→${cap.toReplicas}`).join(', ');
  const parts = [
    taken.length > 0 ? `; taken from offline: ${taken}` : '',
    sizing.shortfallReplicas > 0 ? `; short by ${sizing.shortfallReplicas} replicas (wanted ${sizing.wantedReplicas})` : '',
  ];
  return parts.join('');
}

function formatRps(rps: number): string {
  return rps >= 100 ? Math.round(rps).toString() : rps.toFixed(1);
}
