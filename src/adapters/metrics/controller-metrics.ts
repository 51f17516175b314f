/**
 * The controller's own metrics (prom-client, a private registry): forecast vs actual demand, plan
 * vs actual replicas, apply latency (step due → write accepted), time to capacity Ready (step due →
 * Ready replicas at the target), forecast misses, offline preemptions, shortfall, reconcile and
 * write outcomes, and whether this replica leads. Labels are workload names and fixed codes only:
 * nothing secret, and the cardinality is the inventory's size.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ControllerJob } from '../../controller/controller.ts';
import type { DataAlert, DataFreshness } from '../../controller/data-freshness.ts';
import { slotIndexAt } from '../../controller/level-targets.ts';
import type { ForecastMiss } from '../../controller/reactive-guard.ts';
import type { ReconcileResult } from '../../controller/reconcile.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan, PlanStep } from '../../domain/plan.ts';
import type { Inventory } from '../../domain/workload.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';

const LATENCY_BUCKETS_SECONDS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300];

interface PendingAcquire {
  readonly dueAtMs: number;
  readonly toReplicas: number;
}

export class ControllerMetrics {
  readonly registry: Registry;
  private readonly forecastRps: Gauge;
  private readonly actualRps: Gauge;
  private readonly planReplicas: Gauge;
  private readonly actualReplicas: Gauge;
  private readonly applyLatency: Histogram;
  private readonly timeToReady: Histogram;
  private readonly forecastMisses: Counter;
  private readonly offlinePreemptions: Counter;
  private readonly shortfall: Gauge;
  private readonly reconciles: Counter;
  private readonly writes: Counter;
  private readonly leader: Gauge;
  private readonly planInfo: Gauge;
  private readonly demandDataFresh: Gauge;
  private readonly demandDataAge: Gauge;
  private readonly dataHolds: Counter;
  private readonly forecastsUnavailable: Counter;
  private readonly reloadFailures: Counter;
  private readonly cycleFailures: Counter;
  private readonly forecastBatches: Counter;
  private readonly forecastsComputed: Counter;
  private readonly eventsDropped: Counter;
  private readonly peakEventsGauge: Gauge;
  private readonly workloadByRef = new Map<string, string>();
  private readonly offlineNames: ReadonlySet<string>;
  private readonly onlineNames: ReadonlySet<string>;
  private stepsById = new Map<string, PlanStep>();
  private planId: string | undefined;
  private readonly pendingAcquires = new Map<string, PendingAcquire>();

  constructor(options: { inventory: Inventory; registry?: Registry; defaultMetrics?: boolean }) {
    this.registry = options.registry ?? new Registry();
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'chuanliu_' });
    const registers = [this.registry];
    this.forecastRps = new Gauge({ name: 'chuanliu_forecast_rps', help: 'Forecast demand now, requests/s, per workload and quantile', labelNames: ['workload', 'quantile'], registers });
    this.actualRps = new Gauge({ name: 'chuanliu_actual_rps', help: 'Observed demand, requests/s (from the live metrics source)', labelNames: ['workload'], registers });
    this.planReplicas = new Gauge({ name: 'chuanliu_plan_replicas', help: 'Replicas the plan asks for now', labelNames: ['workload'], registers });
    this.actualReplicas = new Gauge({ name: 'chuanliu_actual_replicas', help: 'Replicas in the cluster: desired (spec) and ready', labelNames: ['workload', 'state'], registers });
    this.applyLatency = new Histogram({ name: 'chuanliu_apply_latency_seconds', help: 'From a plan step being due to its write being accepted by the API', labelNames: ['phase'], buckets: LATENCY_BUCKETS_SECONDS, registers });
    this.timeToReady = new Histogram({ name: 'chuanliu_time_to_capacity_ready_seconds', help: 'From an online acquire step being due to its replicas being Ready', buckets: LATENCY_BUCKETS_SECONDS, registers });
    this.forecastMisses = new Counter({ name: 'chuanliu_forecast_misses_total', help: 'Reactive guard emergencies: the observed rate left the forecast band', labelNames: ['workload'], registers });
    this.offlinePreemptions = new Counter({ name: 'chuanliu_offline_preempted_replicas_total', help: 'Offline replicas released for online capacity', labelNames: ['workload'], registers });
    this.shortfall = new Gauge({ name: 'chuanliu_shortfall_replicas', help: 'Replicas the plan says online needs now but the cluster cannot give', labelNames: ['workload'], registers });
    this.reconciles = new Counter({ name: 'chuanliu_reconciles_total', help: 'Reconcile ticks by outcome', labelNames: ['status'], registers });
    this.writes = new Counter({ name: 'chuanliu_writes_total', help: 'Cluster writes by phase and outcome', labelNames: ['phase', 'outcome'], registers });
    this.leader = new Gauge({ name: 'chuanliu_controller_leader', help: '1 while this replica holds the leader lease and applies plan steps', registers });
    this.planInfo = new Gauge({ name: 'chuanliu_plan_info', help: 'The plan followed (value 1), by id', labelNames: ['plan_id'], registers });
    this.demandDataFresh = new Gauge({
      name: 'chuanliu_demand_data_fresh',
      help: '1 while the workload\'s demand metrics are fresh; 0 while they are missing or stale and its capacity is held (no scale-down)',
      labelNames: ['workload'], registers,
    });
    this.demandDataAge = new Gauge({
      name: 'chuanliu_demand_data_age_seconds',
      help: 'Age of the newest demand sample at the last freshness check (absent when there is none)', labelNames: ['workload'], registers,
    });
    this.dataHolds = new Counter({
      name: 'chuanliu_data_holds_total',
      help: 'Reconcile ticks that held a workload because its demand metrics were missing or stale', labelNames: ['workload', 'code'], registers,
    });
    this.forecastsUnavailable = new Counter({
      name: 'chuanliu_forecast_unavailable_total',
      help: 'Forecast refreshes that could make no forecast for the workload (its last good forecast stays in use)', labelNames: ['workload', 'reason'], registers,
    });
    this.reloadFailures = new Counter({
      name: 'chuanliu_config_reload_failures_total',
      help: 'Reloads of the config, the calendar or the PeakEvents that failed; the last good one was kept', labelNames: ['part'], registers,
    });
    this.forecastBatches = new Counter({
      name: 'chuanliu_forecast_batches_total',
      help: 'Batches of the spread forecast refresh this replica ran, by outcome (done, failed after its last attempt)', labelNames: ['outcome'], registers,
    });
    this.forecastsComputed = new Counter({ name: 'chuanliu_forecasts_computed_total', help: 'Forecasts this replica made for the spread forecast refresh', registers });
    this.cycleFailures = new Counter({ name: 'chuanliu_cycle_failures_total', help: 'Forecast and plan cycles that failed (logged as errors)', labelNames: ['cycle'], registers });
    this.peakEventsGauge = new Gauge({ name: 'chuanliu_peak_events', help: 'PeakEvents the planning source holds, by state (active, cancelled, refused)', labelNames: ['state'], registers });
    this.eventsDropped = new Counter({
      name: 'chuanliu_events_dropped_total',
      help: 'Kubernetes Events not written: rate-limited (spam filter), queue-full or write-failed (the tick went on regardless)', labelNames: ['reason'], registers,
    });
    for (const reason of ['rate-limited', 'queue-full', 'write-failed']) this.eventsDropped.inc({ reason }, 0);
    for (const part of ['config', 'calendar', 'peakEvents']) this.reloadFailures.inc({ part }, 0);
    for (const cycle of ['forecast', 'plan']) this.cycleFailures.inc({ cycle }, 0);
    for (const outcome of ['done', 'failed']) this.forecastBatches.inc({ outcome }, 0);
    for (const workload of [...options.inventory.online, ...options.inventory.offline]) {
      this.workloadByRef.set(`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`, workload.name);
    }
    this.offlineNames = new Set(options.inventory.offline.map((workload) => workload.name));
    this.onlineNames = new Set(options.inventory.online.map((workload) => workload.name));
  }

  onEventDropped(reason: string): void {
    this.eventsDropped.inc({ reason });
  }

  onReloadFailure(part: string): void {
    this.reloadFailures.inc({ part });
  }

  /** A batch of the spread forecast refresh ran on this replica. */
  onForecastBatch(outcome: 'done' | 'failed', forecasts: number): void {
    this.forecastBatches.inc({ outcome });
    this.forecastsComputed.inc(forecasts);
  }

  onCycleFailure(cycle: string): void {
    this.cycleFailures.inc({ cycle });
  }

  observePeakEvents(counts: { active: number; cancelled: number; refused: number }): void {
    for (const [state, count] of Object.entries(counts)) this.peakEventsGauge.set({ state }, count);
  }

  setLeader(isLeader: boolean): void {
    this.leader.set(isLeader ? 1 : 0);
  }

  /** The plan now followed; also sets the plan and shortfall gauges for `nowMs`. */
  observePlan(plan: CapacityPlan, nowMs: number): void {
    if (plan.id !== this.planId) {
      this.planId = plan.id;
      this.stepsById = new Map(plan.steps.map((step) => [step.id, step] as const));
      this.planInfo.reset();
      this.planInfo.set({ plan_id: plan.id }, 1);
    }
    const slot = Math.min(plan.slotCount - 1, Math.max(0, slotIndexAt(plan, nowMs)));
    for (const [name, series] of Object.entries(plan.replicas)) this.planReplicas.set({ workload: name }, series[slot] ?? 0);
    this.shortfall.reset();
    for (const item of plan.shortfalls) if (item.slotIndex === slot) this.shortfall.set({ workload: item.workload }, item.missingReplicas);
  }

  /** A forecast refresh could make no forecast for `workload` (ForecastUnavailableError's reason). */
  observeForecastUnavailable(workload: string, reason: string): void {
    this.forecastsUnavailable.inc({ workload, reason });
  }

  observeForecasts(forecasts: Iterable<Forecast>, nowMs: number): void {
    for (const forecast of forecasts) {
      const bucket = Math.floor((nowMs - forecast.startMs) / forecast.stepMs);
      forecast.quantiles.forEach((quantile, index) => {
        const value = forecast.bands[index]?.[bucket];
        if (value !== undefined && Number.isFinite(value)) this.forecastRps.set({ workload: forecast.workload, quantile: String(quantile) }, value);
      });
    }
  }

  observeActualRps(workload: string, rps: number): void {
    if (Number.isFinite(rps)) this.actualRps.set({ workload }, rps);
  }

  /** Actual replicas, and the end of any time-to-Ready clock whose target is now Ready. */
  observeSnapshot(snapshot: ClusterSnapshot): void {
    for (const state of snapshot.workloads) {
      const name = this.workloadByRef.get(`${state.ref.apiKind}/${state.ref.namespace}/${state.ref.name}`) ?? state.ref.name;
      this.actualReplicas.set({ workload: name, state: 'desired' }, state.desiredReplicas);
      this.actualReplicas.set({ workload: name, state: 'ready' }, state.readyReplicas);
      const pending = this.pendingAcquires.get(name);
      if (pending !== undefined && state.readyReplicas >= pending.toReplicas) {
        this.timeToReady.observe(Math.max(0, snapshot.takenAtMs - pending.dueAtMs) / 1000);
        this.pendingAcquires.delete(name);
      }
    }
  }

  /** Online acquires whose replicas are not yet seen Ready (the service polls while any are). */
  pendingReadiness(): number {
    return this.pendingAcquires.size;
  }

  onReconcile(result: ReconcileResult, _job?: ControllerJob): void {
    this.reconciles.inc({ status: result.status });
    for (const record of result.records) {
      this.writes.inc({ phase: record.phase, outcome: record.outcome.status });
      if (record.outcome.status !== 'applied' && record.outcome.status !== 'unchanged') continue;
      const dueAtMs = this.stepsById.get(record.stepId)?.effectiveAtMs ?? record.startedAtMs;
      this.applyLatency.observe({ phase: record.phase }, Math.max(0, record.finishedAtMs - dueAtMs) / 1000);
      if (record.outcome.status !== 'applied') continue;
      if (this.offlineNames.has(record.target) && record.toReplicas < record.fromReplicas) {
        this.offlinePreemptions.inc({ workload: record.target }, record.fromReplicas - record.toReplicas);
      }
      if (this.onlineNames.has(record.target) && record.phase === 'acquire') {
        this.pendingAcquires.set(record.target, { dueAtMs, toReplicas: record.toReplicas });
      }
    }
  }

  /** The freshness gate's view after a check (`DemandFreshnessMonitor.current`). */
  observeFreshness(freshness: ReadonlyMap<string, DataFreshness>, nowMs: number): void {
    for (const [workload, entry] of freshness) {
      this.demandDataFresh.set({ workload }, entry.status === 'fresh' ? 1 : 0);
      const lastSampleAtMs = entry.status === 'missing' ? undefined : entry.lastSampleAtMs;
      if (lastSampleAtMs === undefined) this.demandDataAge.remove({ workload });
      else this.demandDataAge.set({ workload }, Math.max(0, nowMs - lastSampleAtMs) / 1000);
    }
  }

  onDataAlert(alert: DataAlert): void {
    this.dataHolds.inc({ workload: alert.workload, code: alert.code });
  }

  onForecastMiss(miss: ForecastMiss): void {
    this.forecastMisses.inc({ workload: miss.workload });
  }
}
