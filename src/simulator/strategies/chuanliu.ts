/**
 * `chuanliu`: the product itself in the simulator — the same forecaster, planner and controller the
 * real controller runs, against the simulated cluster through the async `Cluster` port, on the
 * simulation's clock, with an in-process job queue.
 *
 * - Before the run: demand history before the start (trace rows, or earlier SYNTHETIC days for
 *   synthetic traffic) → a forecast per online workload (its demand quantile and the guard's band
 *   quantile) → a plan; the cluster starts at the plan's first slot (offline at its planned share).
 * - Every `sampleInterval`: what monitoring reports (mean rates, `observedLag` old) extends the
 *   history and feeds the reactive guard (`Controller.observe`); due plan steps run from the queue.
 * - Every `replanInterval` (and after a guard decision): a new plan from the latest forecast and the
 *   observed state, with the previous plan (stable step ids, stabilization carried over); every
 *   `reforecastInterval` a new forecast first. Forecasts never see anything after `now − lag`.
 * - A workload with an HPA (`hpa:` in the inventory) keeps it: chuanliu writes the HPA's
 *   minReplicas as a floor and the HPA stays the reactive net above it.
 */
import { GUARD_DEFAULTS } from '../../domain/guard-defaults.ts';
import { z } from 'zod';
import { durationSchema, positiveDurationSchema, unitIntervalSchema } from '../../config/units-schema.ts';
import type { EventOccurrence } from '../../domain/calendar.ts';
import { eventOccurrences } from '../../domain/calendar-occurrences.ts';
import { AnnouncementTracker } from '../announced-events.ts';
import { bandFor, type Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import { DAY_MS, formatDurationMs, HOUR_MS, MINUTE_MS, SECOND_MS } from '../../domain/units.ts';
import type { Inventory, OnlineWorkload } from '../../domain/workload.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventRecorder } from '../../ports/events.ts';
import { Controller, type ControllerJob } from '../../controller/controller.ts';
import type { GuardedSample } from '../../controller/guard-loop.ts';
import type { ForecastMiss, GuardDecision } from '../../controller/reactive-guard.ts';
import type { ReconcileResult } from '../../controller/reconcile.ts';
import { planCapacity, type ObservedState } from '../../planner/index.ts';
import { InProcessQueue } from '../../adapters/memory/in-process-queue.ts';
import { MemoryAppliedStepStore } from '../../adapters/memory/memory-applied-steps.ts';
import type { SimulatedHpaSpec } from '../../adapters/memory/cluster-spec.ts';
import type { Strategy, StrategyContext, StrategyFactory, StrategySetup } from '../strategy.ts';
import { HistoryBuffer } from './chuanliu/history-buffer.ts';
import { BurstEstimator } from './chuanliu/burst-estimator.ts';
import { bandAt, forecastWorkloads, pulseTopRps, withMargin, type ForecastSettings } from './chuanliu/forecasts.ts';
import { observedStateFrom } from './chuanliu/observed-state.ts';
import { hpaMetricFor, hpaSettingsShape, hpaSteadyStateReplicas } from './hpa.ts';
import { DEFAULT_HPA_BEHAVIOR } from '../../adapters/memory/hpa/hpa-behavior.ts';

export const chuanliuSettingsSchema = z.strictObject({
  /** How often the strategy acts: guard samples, history, due plan steps. @defaultValue 5s (the config's guard.sampleInterval) */
  sampleInterval: positiveDurationSchema.default(5_000),
  /** A new plan from the latest forecast and the observed state. @defaultValue 5m */
  replanInterval: positiveDurationSchema.default(5 * MINUTE_MS),
  /**
   * A new forecast from the history and what was observed since (its residual correction is what
   * follows a day that runs above or below its usual shape). @defaultValue 15m
   */
  reforecastInterval: positiveDurationSchema.default(15 * MINUTE_MS),
  planning: z.strictObject({
    /** @defaultValue 1m */
    slot: positiveDurationSchema.default(MINUTE_MS),
    /** @defaultValue 6h */
    horizon: positiveDurationSchema.default(6 * HOUR_MS),
    /** @defaultValue 15s */
    applyLatency: durationSchema.default(15_000),
    /** @defaultValue 5m */
    scaleInStabilization: durationSchema.default(5 * MINUTE_MS),
    /** Smallest time between two changes of one workload. @defaultValue the slot */
    minStepInterval: positiveDurationSchema.optional(),
    /**
     * How long after an event's start online work is not scaled in: a duration from each
     * occurrence's start (capped at its end), or `event` = the whole event window. After the hold,
     * scale-in inside a long event still waits for observed demand to stay low for the
     * stabilization window. @defaultValue 30m (the ramp and first surge of an event; holding a
     * 4-hour promotion's top for 4 hours costs +13 % online core-hours on sim/double11.yaml)
     */
    eventHold: z.union([z.literal('event'), durationSchema]).default(30 * MINUTE_MS),
  }).prefault({}),
  forecast: z.strictObject({
    /** Forecast bucket (coarser when the trace's rows are coarser). @defaultValue 1m */
    bucket: positiveDurationSchema.default(MINUTE_MS),
    /** History read before the start. @defaultValue 28d */
    history: positiveDurationSchema.default(28 * DAY_MS),
    /** Less history than this: no forecast, the plan follows observed demand. @defaultValue 2h */
    minHistory: positiveDurationSchema.default(2 * HOUR_MS),
    /** Provision every online workload for this quantile instead of its own `demandQuantile`. @defaultValue each workload's */
    quantile: unitIntervalSchema.optional(),
    /** Extra margin on the provisioning band, percent. @defaultValue 0 */
    headroomPercent: z.number().min(0).max(400).default(0),
    /** Per-second spreads on top of the band (see chuanliu/forecasts.ts). @defaultValue 3 */
    arrivalNoiseSigmas: z.number().min(0).max(10).default(3),
    /**
     * Extra per-second spread beyond Poisson arrivals until monitoring has shown enough seconds to
     * learn it (see chuanliu/burst-estimator.ts). @defaultValue 0
     */
    burstCv: z.number().min(0).max(2).default(0),
    /**
     * `provision`: the plan holds the forecaster's pulse reserve (the part of the upper band kept for
     * unscheduled pulses); `guard`: it does not, and unscheduled pulses are left to the reactive
     * guard. @defaultValue provision
     */
    pulseReserve: z.enum(['provision', 'guard']).default('provision'),
    /** Forecaster: residual-correction origins (speed; the defaults of the forecaster are 3000). @defaultValue 600 */
    maxTrainingOrigins: z.number().int().min(50).default(600),
    /** Forecaster: error-calibration origins (the forecaster's default is 1500). @defaultValue 400 */
    maxCalibrationOrigins: z.number().int().min(50).default(400),
  }).prefault({}),
  guard: z.strictObject({
    /** The live rate is compared with this quantile band. @defaultValue 0.99 */
    bandQuantile: unitIntervalSchema.default(0.99),
    /** Breaching samples in a row before the guard acts. @defaultValue GUARD_DEFAULTS.consecutiveSamples (2) */
    consecutiveSamples: z.number().int().min(1).default(GUARD_DEFAULTS.consecutiveSamples),
    /**
     * Emergency capacity = observed × this. The observed rate lags a climbing pulse by the metrics
     * lag plus the breach samples (≈ 40 s); 1.5 covers a pulse that grows 50 % in that time.
     * @defaultValue 1.5 (the config's guard default is 1.2)
     */
    headroomFactor: z.number().min(1).default(GUARD_DEFAULTS.headroomFactor),
    /** A sample breaches above band × (1 + tolerance). @defaultValue 0.1 */
    tolerance: z.number().min(0).default(GUARD_DEFAULTS.toleranceFraction),
    /** Rate window of one live sample. @defaultValue 10s */
    rateWindow: positiveDurationSchema.default(10_000),
    /** @defaultValue 5m */
    coolDown: durationSchema.default(GUARD_DEFAULTS.coolDownMs),
    /** @defaultValue 5m */
    stabilization: durationSchema.default(GUARD_DEFAULTS.stabilizationMs),
    /**
     * The floor is sized on the rate this far ahead on its trend over the breaching samples (see
     * reactive-guard.ts). @defaultValue GUARD_DEFAULTS.trendHorizonMs (60 s; measured in src/domain/guard-defaults.ts)
     */
    trendHorizon: durationSchema.default(GUARD_DEFAULTS.trendHorizonMs),
  }).prefault({}),
  /**
   * chuanliu's reactive net: an HPA under the floors chuanliu writes (it raises the HPA's
   * minReplicas; the HPA adds replicas above it). By default every online workload runs one, on the
   * External metric of offered requests/s (it sees demand beyond 100 % CPU, which a CPU target
   * cannot), with the Kubernetes default behaviour.
   *
   * Its target follows the forecast's spread (`targetFrom: spread`): mean p50 ÷ mean provisioning
   * band over the first forecast hour, within [minTargetUtilization, maxTargetUtilization]. Where
   * the forecast is tight (planned peaks) its floors carry the peaks and the net can run hot; where
   * it is wide (unforecast pulses) or missing, the net keeps the headroom a well-set HPA would.
   * Floors are planned at `floorUtilization` (100 %: the band served at full use), so they bind
   * only where the forecast sees demand above what the net holds — a rise ahead of time.
   */
  hpa: z.strictObject({
    ...hpaSettingsShape,
    metric: hpaSettingsShape.metric.removeDefault().default('requests'),
    /** Used with `targetFrom: fixed`. @defaultValue 60 */
    targetUtilization: hpaSettingsShape.targetUtilization.removeDefault().default(60),
    /**
     * `declared`: only workloads that declare `hpa:` keep an HPA; `all`: every online workload runs
     * one as chuanliu's reactive net (named like the workload when it declares none).
     * @defaultValue all
     */
    scope: z.enum(['declared', 'all']).default('all'),
    /** `fixed`: targetUtilization; `spread`: from the first forecast's spread (see above). @defaultValue spread */
    targetFrom: z.enum(['fixed', 'spread']).default('spread'),
    /** Lowest target with `targetFrom: spread`, and the target of a workload without a forecast. @defaultValue 60 */
    minTargetUtilization: z.number().gt(0).max(100).default(60),
    /** Highest target with `targetFrom: spread`. @defaultValue 90 */
    maxTargetUtilization: z.number().gt(0).max(100).default(90),
    /** Floors under the net are planned so a replica serves rpsPerReplica × this percentage. @defaultValue 100 */
    floorUtilization: z.number().gt(0).max(100).default(100),
  }).prefault({}),
}).prefault({});

export type ChuanliuSettings = z.output<typeof chuanliuSettingsSchema>;

/** A guard emergency and how long the capacity it asked for took to be Ready. */
export interface GuardResponse {
  readonly workload: string;
  /** End of the first observed window above the band, minus the metrics lag: when demand left the band. */
  readonly onsetMs: number;
  readonly engagedAtMs: number;
  readonly floorReplicas: number;
  /** First act at which the workload had the floor's replicas Ready (undefined: never, within the run). */
  readonly readyAtMs?: number;
  /** First breaching sample: when the monitoring signal crossed the band (the floor is written at `engagedAtMs`). */
  readonly signalAtMs: number;
  /** Requests of the workload left unserved from `onsetMs` to Ready (or to the end of the run). */
  readonly unservedRequests?: number;
  readonly miss: ForecastMiss;
}

/** What a run did, for the demo, the benchmark and tests. All callbacks are optional. */
export interface ChuanliuObserver {
  /** A plan was adopted (`reason`: `start`, `schedule`, `guard`, `peak-event <names>`). */
  onPlan?(event: { readonly atMs: number; readonly reason: string; readonly plan: CapacityPlan; readonly forecasts: ReadonlyMap<string, Forecast> }): void;
  onGuardDecision?(decision: GuardDecision): void;
  /** Every reconcile tick of the controller (plan jobs and guard ticks). */
  onReconcile?(result: ReconcileResult): void;
  /** Once per guard emergency, when its capacity is Ready (or at the end of the run, never Ready). */
  onGuardResponse?(response: GuardResponse): void;
  /** Where the controller records its Kubernetes Events (on the simulated clock), if anywhere. */
  eventRecorder?(clock: Clock): EventRecorder;
}

export function createChuanliuStrategy(observer: ChuanliuObserver = {}): StrategyFactory<ChuanliuSettings> {
  return {
    name: 'chuanliu',
    description: 'chuanliu: forecast from history before now, time-sharing plan, controller with reactive guard',
    usesForesight: false,
    settingsSchema: chuanliuSettingsSchema,
    create: (settings) => new ChuanliuRun(settings, observer),
  };
}

export const chuanliuStrategy = createChuanliuStrategy();

/** Per-second samples before the learned burst spread replaces the prior (one per act). */
const BURST_MIN_SAMPLES = 24;
/** Seconds from the end of the observed minute to the second compared with it. */
const BURST_MIDDLE_S = 30;
/** Newest samples the burst spread is learned from (a few hours at one per act). */
const BURST_MAX_SAMPLES = 2_000;
/** Observed demand the planner is given: the mean over this window. */
const OBSERVED_DEMAND_WINDOW_MS = MINUTE_MS;

class ChuanliuRun implements Strategy {
  readonly actIntervalMs: number;
  private readonly settings: ChuanliuSettings;
  private readonly observer: ChuanliuObserver;
  private inventory!: Inventory;
  private online: readonly OnlineWorkload[] = [];
  private onlineIndices: number[] = [];
  private histories: HistoryBuffer[] = [];
  private occurrences: readonly EventOccurrence[] = [];
  private occurrenceWindow = { fromMs: 0, toMs: 0 };
  private announcements!: AnnouncementTracker;
  private forecastSettings!: ForecastSettings;
  /** Newest first: the guard reads the newest that covers a time (a new one starts at its issue time). */
  private forecasts: Map<string, Forecast>[] = [];
  /** Per workload of the newest forecast: the livestream pulses' top above their bucket mean. */
  private pulseTops = new Map<string, Float64Array>();
  private bursts: BurstEstimator[] = [];
  private controller: Controller | undefined;
  private queue: InProcessQueue<ControllerJob> | undefined;
  private pendingPlan: { plan: CapacityPlan; reason: string; atMs: number } | undefined;
  private nextReplanMs = Number.POSITIVE_INFINITY;
  private nextReforecastMs = Number.POSITIVE_INFINITY;
  private replanSoon = false;
  private planSequence = 0;
  private displayTimeZone = 'UTC';
  private openResponses = new Map<string, { response: GuardResponse; index: number }>();
  private lastActMs = Number.NEGATIVE_INFINITY;
  /** Unserved totals per workload at recent acts (the last 15 min), for per-emergency figures. */
  private unservedTotals: { atMs: number; totals: Float64Array }[] = [];
  private lastContext: StrategyContext | undefined;
  /** Per online workload: the HPA net's settings (its target may follow the forecast's spread). */
  private netTargets: ChuanliuSettings['hpa'][] = [];

  constructor(settings: ChuanliuSettings, observer: ChuanliuObserver) {
    this.settings = settings;
    this.observer = observer;
    this.actIntervalMs = settings.sampleInterval;
  }

  start(setup: StrategySetup) {
    const { scenario } = setup;
    const online = this.settings.hpa.scope === 'all'
      ? scenario.online.map((workload) => ({ ...workload, hpaName: workload.hpaName ?? workload.name }))
      : scenario.online;
    this.inventory = { online, offline: scenario.offline, nodePools: scenario.nodePools };
    this.online = online;
    this.onlineIndices = scenario.online.map((workload) => scenario.workloadIndex(workload.name) as number);
    this.displayTimeZone = calendarZone(scenario.calendar) ?? 'UTC';
    const { forecast, planning } = this.settings;
    const runMs = scenario.endMs - scenario.startMs;
    this.histories = this.onlineIndices.map((index) => {
      const prior = setup.historyBefore(index, { beforeMs: scenario.startMs, spanMs: forecast.history, bucketMs: forecast.bucket });
      return new HistoryBuffer({
        ...(prior !== undefined ? { prior: prior.series } : {}),
        stepMs: forecast.bucket,
        startMs: scenario.startMs,
        expectedBuckets: Math.ceil(runMs / (prior?.series.stepMs ?? forecast.bucket)) + 1,
      });
    });
    this.occurrenceWindow = {
      fromMs: Math.min(scenario.startMs, ...this.histories.map((history) => history.startMs)),
      toMs: scenario.endMs + planning.horizon,
    };
    this.announcements = new AnnouncementTracker(scenario.calendar, scenario.announcedEvents, scenario.online.map((workload) => workload.name));
    // Announced at the start (or before it): known from the first plan on.
    this.announcements.advance(scenario.startMs);
    this.refreshOccurrences(scenario);
    const quantiles = [...new Set([
      0.5, 0.9, 0.99, this.settings.guard.bandQuantile,
      ...this.online.map((workload) => this.provisioningQuantile(workload)),
    ])].sort((a, b) => a - b);
    this.forecastSettings = {
      // A forecast serves the plans until the next one: it reaches a plan horizon past that.
      horizonMs: planning.horizon + this.settings.reforecastInterval + planning.slot,
      quantiles,
      minHistoryMs: forecast.minHistory,
      params: { maxTrainingOrigins: forecast.maxTrainingOrigins, maxCalibrationOrigins: forecast.maxCalibrationOrigins },
    };
    this.bursts = this.online.map(() => new BurstEstimator({ priorCv: forecast.burstCv, minSamples: BURST_MIN_SAMPLES, maxSamples: BURST_MAX_SAMPLES }));

    this.reforecast(scenario.startMs);
    this.netTargets = this.online.map((workload) => this.netTargetFor(workload));
    // Demand just before the start: the history's last bucket; without history, the warm-start
    // demand every strategy gets for its starting state (the cluster was running before the run).
    const demandRps = new Map(this.online.map((workload, position) => {
      const last = (this.histories[position] as HistoryBuffer).lastValue();
      const before = Number.isFinite(last) ? last : setup.warmStartDemandRps(this.onlineIndices[position] as number);
      return [workload.name, this.withSecondMargin(before, position)] as const;
    }));
    const plan = this.makePlan(scenario.startMs, {
      workloads: {}, nodePools: {}, demandRps: Object.fromEntries([...demandRps].filter(([, rps]) => Number.isFinite(rps))),
      offlineRemainingCoreHours: {},
    });
    this.pendingPlan = { plan, reason: 'start', atMs: scenario.startMs };
    this.nextReplanMs = scenario.startMs + this.settings.replanInterval;
    this.nextReforecastMs = scenario.startMs + this.settings.reforecastInterval;

    const netByName = new Map(this.online.map((workload, position) => [workload.name, position] as const));
    const initialReplicas = scenario.workloads.map((workload) => {
      const slots = plan.replicas[workload.name];
      const planned = slots !== undefined && slots.length > 0 ? (slots[0] as number) : workload.minReplicas;
      // Under an HPA the cluster was running before the start: the HPA had converged on the demand
      // then, as the hpa baseline's does (the same warm-start look every strategy gets).
      const position = netByName.get(workload.name);
      const net = position === undefined || (this.online[position] as OnlineWorkload).hpaName === undefined ? 0
        : hpaSteadyStateReplicas(this.online[position] as OnlineWorkload, setup.warmStartDemandRps(this.onlineIndices[position] as number), this.netTargets[position] as ChuanliuSettings['hpa']);
      const level = Math.max(planned, net);
      // A CronJob is active or suspended; active, it runs its jobs at their usual parallelism.
      if (workload.class === 'offline' && workload.ref.apiKind === 'CronJob') return level > 0 ? workload.maxReplicas : 0;
      return level;
    });
    const hpas: SimulatedHpaSpec[] = this.online.flatMap((workload, position) => (workload.hpaName === undefined ? [] : [{
      name: workload.hpaName,
      workload: workload.name,
      minReplicas: Math.min(workload.maxReplicas, initialReplicas[this.onlineIndices[position] as number] as number),
      maxReplicas: workload.maxReplicas,
      metric: hpaMetricFor(workload, this.netTargets[position] as ChuanliuSettings['hpa']),
      tolerance: this.settings.hpa.tolerance,
      behavior: {
        ...DEFAULT_HPA_BEHAVIOR,
        scaleDown: { ...DEFAULT_HPA_BEHAVIOR.scaleDown, stabilizationWindowMs: this.settings.hpa.scaleDownStabilization },
      },
    }]));
    return { initialReplicas, hpas };
  }

  async act(context: StrategyContext): Promise<void> {
    if (this.controller === undefined) this.boot(context);
    const controller = this.controller as Controller;
    if (this.pendingPlan !== undefined) {
      const pending = this.pendingPlan;
      this.pendingPlan = undefined;
      await this.adopt(pending.plan, pending.reason, pending.atMs);
    }
    this.recordObservations(context);

    const samples: GuardedSample[] = this.online.map((workload, position) => ({
      workload: workload.name,
      timeMs: context.nowMs,
      observedRps: context.observed.rateRps(this.onlineIndices[position] as number, this.settings.guard.rateWindow),
      bandRps: this.guardBand(workload.name, context.nowMs - context.observed.lagMs - this.settings.guard.rateWindow / 2),
    }));
    const guardTick = await controller.observe(samples);
    if (guardTick.decisions.some((decision) => decision.kind !== 'raise')) this.replanSoon = true;
    // A PeakEvent created since the last act: re-forecast with it and re-plan now, as the
    // controller does when its PlanningSource sees a new PeakEvent.
    const announced = this.announcements.advance(context.nowMs);
    if (announced.length > 0) {
      this.refreshOccurrences(context.scenario);
      await this.replan(context, `peak-event ${announced.map((entry) => entry.event.name).join(', ')}`);
    } else if (context.nowMs >= this.nextReplanMs || this.replanSoon) {
      await this.replan(context, this.replanSoon ? 'guard' : 'schedule');
    }
    await (this.queue as InProcessQueue<ControllerJob>).idle();
    this.trackGuardResponses(context);
    this.recordUnservedTotals(context);
    this.lastActMs = context.nowMs;
    if (context.nowMs + this.actIntervalMs >= context.scenario.endMs) this.finish();
  }

  // ---- machinery ---------------------------------------------------------------------------

  private boot(context: StrategyContext): void {
    const queue = new InProcessQueue<ControllerJob>({ clock: context.clock });
    const { guard } = this.settings;
    this.queue = queue;
    this.controller = new Controller({
      cluster: context.port,
      inventory: this.inventory,
      clock: context.clock,
      queue,
      appliedSteps: new MemoryAppliedStepStore(),
      guard: {
        toleranceFraction: guard.tolerance,
        consecutiveSamples: guard.consecutiveSamples,
        headroomFactor: guard.headroomFactor,
        coolDownMs: guard.coolDown,
        stabilizationMs: guard.stabilization,
        trendHorizonMs: guard.trendHorizon,
      },
      // Retry quickly: in the simulation a held acquire is waiting for a drain that ends in seconds.
      recheckMs: this.settings.sampleInterval,
      ...(this.observer.eventRecorder !== undefined ? { events: this.observer.eventRecorder(context.clock) } : {}),
      hooks: {
        onReconcile: (result) => this.observer.onReconcile?.(result),
        onGuardDecision: (decision) => this.onGuardDecision(decision, context),
      },
    });
    this.controller.start();
  }

  /** Calendar occurrences as known now: the scenario's calendar plus the PeakEvents announced so far. */
  private refreshOccurrences(scenario: StrategySetup['scenario']): void {
    const { calendar } = this.announcements.current();
    // Without any calendar, the scenario's own occurrences, less the short-notice ones (known only through the tracker).
    this.occurrences = calendar !== undefined
      ? eventOccurrences(calendar, this.occurrenceWindow.fromMs, this.occurrenceWindow.toMs)
      : scenario.events.filter((occurrence) => !occurrence.eventId.startsWith('peakevent/'));
  }

  private async adopt(plan: CapacityPlan, reason: string, atMs: number): Promise<void> {
    await (this.controller as Controller).adoptPlan(plan);
    this.observer.onPlan?.({ atMs, reason, plan, forecasts: this.rawForecasts() });
  }

  private async replan(context: StrategyContext, reason: string): Promise<void> {
    const nowMs = context.nowMs;
    this.replanSoon = false;
    if (nowMs >= this.nextReforecastMs || reason === 'guard' || reason.startsWith('peak-event')) {
      this.reforecast(nowMs);
      this.nextReforecastMs = nowMs + this.settings.reforecastInterval;
    }
    this.nextReplanMs = nowMs + this.settings.replanInterval;
    const snapshot = await context.port.snapshot();
    // The floor the planner keeps from observed demand serves that demand second by second: the
    // same per-second margin as the forecast bands.
    const demandRps = new Map(this.online.map((workload, position) => [
      workload.name,
      this.withSecondMargin(context.observed.rateRps(this.onlineIndices[position] as number, OBSERVED_DEMAND_WINDOW_MS), position),
    ] as const));
    const remaining = new Map<string, number>();
    for (const workload of context.scenario.offline) {
      if (workload.workCoreHours === undefined) continue;
      const index = context.scenario.workloadIndex(workload.name) as number;
      // A Job's progress, as its status (completions) or its own metrics report it.
      remaining.set(workload.name, workload.workCoreHours - (context.cluster.offlineCoreHoursDone[index] as number));
    }
    const observed = observedStateFrom({ snapshot, inventory: this.inventory, demandRps, offlineRemainingCoreHours: remaining });
    const plan = this.makePlan(nowMs, observed);
    await this.adopt(plan, reason, nowMs);
  }

  private makePlan(nowMs: number, observed: ObservedState): CapacityPlan {
    const { planning } = this.settings;
    const previousPlan = this.controller?.currentPlan() ?? this.pendingPlan?.plan;
    this.planSequence += 1;
    const provisioning = new Map<string, Forecast>();
    this.online.forEach((workload, position) => {
      const forecast = this.forecasts[0]?.get(workload.name);
      if (forecast === undefined) return;
      provisioning.set(workload.name, withMargin(forecast, {
        headroomFraction: this.settings.forecast.headroomPercent / 100,
        arrivalNoiseSigmas: this.settings.forecast.arrivalNoiseSigmas,
        burstCv: (this.bursts[position] as BurstEstimator).cv(),
        withoutPulseReserve: this.settings.forecast.pulseReserve === 'guard',
      }, planning.slot, this.pulseTops.get(workload.name)));
    });
    const horizonEndMs = nowMs + planning.horizon;
    return planCapacity({
      nowMs,
      inventory: this.inventoryForPlanning(),
      forecasts: provisioning,
      occurrences: this.occurrences
        .filter((occurrence) => occurrence.endMs > nowMs && occurrence.startMs < horizonEndMs)
        .map((occurrence) => holdWindow(occurrence, planning.eventHold)),
      observed,
      ...(previousPlan !== undefined ? { previousPlan } : {}),
      settings: {
        slotMs: planning.slot,
        horizonMs: planning.horizon,
        applyLatencyMs: planning.applyLatency,
        scaleInStabilizationMs: planning.scaleInStabilization,
        planId: `chuanliu-${this.planSequence}-${new Date(nowMs).toISOString()}`,
        displayTimeZone: this.displayTimeZone,
        ...(planning.minStepInterval !== undefined ? { minStepIntervalMs: planning.minStepInterval } : {}),
      },
    });
  }

  /**
   * The inventory the planner sees: the settings' quantile override applied, and a workload under
   * the net planned at `floorUtilization` (a replica "serves" rpsPerReplica × that share). At 100 %
   * a floor is the band served at full use: below what the net holds for demand that is already
   * there, above it where the forecast sees a rise coming. What the net takes above the plan comes
   * from free capacity first, then by preempting offline pods (a floor planned at the net's target
   * would release offline work in order, but hold the net's headroom on the whole band, which on
   * wide bands costs more than it serves — measured on sim/twitter-aapl-spiky.yaml).
   */
  private inventoryForPlanning(): Inventory {
    const quantile = this.settings.forecast.quantile;
    const hpaShare = this.settings.hpa.floorUtilization / 100;
    return {
      ...this.inventory,
      online: this.inventory.online.map((workload) => ({
        ...workload,
        ...(quantile !== undefined ? { demandQuantile: quantile } : {}),
        ...(workload.hpaName !== undefined ? { rpsPerReplica: workload.rpsPerReplica * hpaShare } : {}),
      })),
    };
  }

  /** `rps` plus the per-second margin of workload `position` (headroom and z spreads). */
  private withSecondMargin(rps: number, position: number): number {
    if (!(Number.isFinite(rps) && rps > 0)) return rps;
    // Under an HPA net the seconds above the minute's mean are the net's to serve: the floor kept
    // from observed demand is the demand itself.
    if ((this.online[position] as OnlineWorkload).hpaName !== undefined) return rps;
    const { headroomPercent, arrivalNoiseSigmas } = this.settings.forecast;
    const cv = (this.bursts[position] as BurstEstimator).cv();
    return rps * (1 + headroomPercent / 100) + arrivalNoiseSigmas * Math.sqrt(rps + cv * cv * rps * rps);
  }

  /**
   * The net's settings for `workload`: fixed, or (targetFrom: spread) its target from the first
   * forecast's spread — mean p50 ÷ mean provisioning band over the next hour, within
   * [minTargetUtilization, maxTargetUtilization]; without a forecast the minimum.
   */
  private netTargetFor(workload: OnlineWorkload): ChuanliuSettings['hpa'] {
    const net = this.settings.hpa;
    if (net.targetFrom === 'fixed') return net;
    const forecast = this.forecasts[0]?.get(workload.name);
    let share = net.minTargetUtilization / 100;
    if (forecast !== undefined) {
      const buckets = Math.max(1, Math.round(HOUR_MS / forecast.stepMs));
      const median = meanFinite(bandFor(forecast, 0.5).subarray(0, buckets));
      const upper = meanFinite(bandFor(forecast, this.provisioningQuantile(workload)).subarray(0, buckets));
      if (median > 0 && upper > 0) share = median / upper;
    }
    const target = Math.min(net.maxTargetUtilization, Math.max(net.minTargetUtilization, share * 100));
    return { ...net, targetUtilization: target };
  }

  private provisioningQuantile(workload: OnlineWorkload): number {
    return this.settings.forecast.quantile ?? workload.demandQuantile;
  }

  private reforecast(nowMs: number): void {
    const forecasts = forecastWorkloads({
      nowMs,
      online: this.online,
      histories: this.histories,
      occurrences: this.occurrences,
      settings: this.forecastSettings,
    });
    this.forecasts = [forecasts, ...this.forecasts.slice(0, 1)];
    this.pulseTops = new Map([...forecasts].map(([name, forecast]) => [name, pulseTopRps(forecast, this.occurrences)] as const));
  }

  private rawForecasts(): Map<string, Forecast> {
    return this.forecasts[0] ?? new Map<string, Forecast>();
  }

  /**
   * The guard band at `timeMs`: the newest forecast covering it — the higher of its bucket and the
   * next, since a bucket's mean hides the top of a ramp the forecast foresaw inside it (a promotion
   * opening at 00:00 with a 30 s ramp); without a forecast (too little history), the demand the
   * current plan was made for (the observed rate with its margin), so a workload the forecaster
   * cannot cover yet still has a guard.
   */
  private guardBand(workload: string, timeMs: number): number {
    for (const forecasts of this.forecasts) {
      const forecast = forecasts.get(workload);
      if (forecast === undefined) continue;
      const quantile = this.settings.guard.bandQuantile;
      const band = bandAt(forecast, quantile, timeMs);
      if (!Number.isFinite(band)) continue;
      const next = bandAt(forecast, quantile, timeMs + forecast.stepMs);
      return Number.isFinite(next) ? Math.max(band, next) : band;
    }
    // Without a forecast, a workload under the net is the net's: a band made of observed demand
    // would hold emergency floors through every burst (measured on sim/azure-code-bursts.yaml).
    if (this.inventory.online.find((entry) => entry.name === workload)?.hpaName !== undefined) return Number.NaN;
    const plan = this.controller?.currentPlan();
    const planned = plan?.explanation?.workloads[workload]?.demandRps;
    if (plan === undefined || planned === undefined) return Number.NaN;
    const slot = Math.floor((timeMs - plan.startMs) / plan.slotMs);
    return slot >= 0 && slot < planned.length ? (planned[slot] as number) : Number.NaN;
  }

  /**
   * Extends each history with the windows monitoring has reported since the last act: the mean
   * rate over [now − lag − interval, now − lag). Windows before the history's end are already known.
   */
  private recordObservations(context: StrategyContext): void {
    const { lagMs } = context.observed;
    const toMs = context.nowMs - lagMs;
    const windowMs = Math.min(this.actIntervalMs, context.nowMs - this.lastActMs);
    const fromMs = toMs - windowMs;
    if (fromMs < context.scenario.startMs) return;
    this.online.forEach((_, position) => {
      const index = this.onlineIndices[position] as number;
      const rps = context.observed.rateRps(index, windowMs);
      (this.histories[position] as HistoryBuffer).observe(fromMs, toMs, rps);
      // The second in the middle of the latest observed minute (the difference of two trailing
      // windows), so a ramp through the minute does not pass for burstiness.
      const middleSecondRps = (BURST_MIDDLE_S + 1) * context.observed.rateRps(index, (BURST_MIDDLE_S + 1) * SECOND_MS)
        - BURST_MIDDLE_S * context.observed.rateRps(index, BURST_MIDDLE_S * SECOND_MS);
      (this.bursts[position] as BurstEstimator).add(middleSecondRps, context.observed.rateRps(index, MINUTE_MS));
    });
  }

  private onGuardDecision(decision: GuardDecision, context: StrategyContext): void {
    this.observer.onGuardDecision?.(decision);
    if (decision.kind !== 'engage') return;
    const position = this.online.findIndex((workload) => workload.name === decision.workload);
    this.closeResponse(decision.workload);
    this.openResponses.set(decision.workload, {
      index: this.onlineIndices[position] as number,
      response: {
        workload: decision.workload,
        signalAtMs: decision.miss.startMs,
        onsetMs: decision.miss.startMs - context.observed.lagMs,
        engagedAtMs: decision.atMs,
        floorReplicas: decision.targetReplicas,
        miss: decision.miss,
      },
    });
  }

  private recordUnservedTotals(context: StrategyContext): void {
    this.lastContext = context;
    this.unservedTotals.push({ atMs: context.nowMs, totals: Float64Array.from(context.cluster.unservedRequestsTotal) });
    const oldestMs = context.nowMs - 15 * MINUTE_MS;
    while (this.unservedTotals.length > 1 && (this.unservedTotals[1] as { atMs: number }).atMs <= oldestMs) this.unservedTotals.shift();
  }

  private trackGuardResponses(context: StrategyContext): void {
    for (const [workload, open] of this.openResponses) {
      if ((context.cluster.ready[open.index] as number) < open.response.floorReplicas) continue;
      this.openResponses.delete(workload);
      this.observer.onGuardResponse?.({ ...open.response, readyAtMs: context.nowMs, ...this.unservedSince(open.index, open.response.onsetMs, context) });
    }
  }

  private closeResponse(workload: string): void {
    const open = this.openResponses.get(workload);
    if (open === undefined) return;
    this.openResponses.delete(workload);
    const context = this.lastContext;
    this.observer.onGuardResponse?.({ ...open.response, ...(context !== undefined ? this.unservedSince(open.index, open.response.onsetMs, context) : {}) });
  }

  /** Unserved requests of workload `index` since `fromMs` (from the totals recorded at each act). */
  private unservedSince(index: number, fromMs: number, context: StrategyContext): { unservedRequests?: number } {
    const before = [...this.unservedTotals].reverse().find((entry) => entry.atMs <= fromMs);
    if (before === undefined) return {};
    return { unservedRequests: (context.cluster.unservedRequestsTotal[index] as number) - (before.totals[index] as number) };
  }

  /** The last act of the run: report emergencies whose capacity never became Ready. */
  private finish(): void {
    for (const workload of [...this.openResponses.keys()]) this.closeResponse(workload);
  }
}

/**
 * The part of an occurrence in which online work is not scaled in: the whole event, or its first
 * `eventHold` (the label then says so, since plan messages print the window).
 */
function holdWindow(occurrence: EventOccurrence, eventHold: number | 'event'): EventOccurrence {
  if (eventHold === 'event' || occurrence.endMs - occurrence.startMs <= eventHold) return occurrence;
  return {
    ...occurrence,
    endMs: occurrence.startMs + Math.max(1, eventHold),
    label: `${occurrence.label} (scale-in held ${formatDurationMs(eventHold)} of ${formatDurationMs(occurrence.endMs - occurrence.startMs)})`,
  };
}

function meanFinite(values: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const value of values) {
    if (!Number.isFinite(value)) continue;
    sum += value;
    count += 1;
  }
  return count > 0 ? sum / count : Number.NaN;
}

function calendarZone(calendar: StrategySetup['scenario']['calendar']): string | undefined {
  for (const event of calendar?.events ?? []) {
    if (event.kind !== 'livestream') return event.timeZone;
  }
  return undefined;
}
