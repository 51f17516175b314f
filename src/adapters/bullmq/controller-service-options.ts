/**
 * What `ControllerService` (controller-service.ts) is given: the plan source, Redis, the cluster,
 * and the optional parts (guard, freshness gate, spread forecast refresh).
 */
import type { LogLevel } from '../../controller/controller.ts';
import type { DemandFreshnessMonitor } from '../../controller/freshness-monitor.ts';
import type { GuardConfig } from '../../controller/reactive-guard.ts';
import type { SafetyPolicy } from '../../controller/safety.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import type { Inventory } from '../../domain/workload.ts';
import type { Clock } from '../../ports/clock.ts';
import type { Cluster, ClusterSnapshot } from '../../ports/cluster.ts';
import type { EventRecorder } from '../../ports/events.ts';
import type { OperatorControlsSource } from '../../ports/operator-controls.ts';
import type { RetryPolicy } from '../memory/in-process-queue.ts';
import type { ControllerMetrics } from '../metrics/controller-metrics.ts';
import type { CycleTiming } from './cycle-schedulers.ts';
import type { LiveRates } from './live-rates.ts';
import type { PlanningCycles } from './planning-cycles.ts';
import type { CycleName } from './redis-state.ts';

export type PlanSource =
  /** Follow this plan (an approved `chuanliu plan -o json`); no planning cycles. */
  | { readonly kind: 'fixed'; readonly plan: CapacityPlan }
  /** Forecast and plan on the cycles' timings; follow the latest plan. */
  | {
    readonly kind: 'cycles';
    readonly cycles: PlanningCycles;
    readonly timings: Readonly<Partial<Record<CycleName, CycleTiming>>>;
    /** How often `cycles.pollChanges` looks for new PeakEvents, calendar and config; 0 = never. @defaultValue 5 s */
    readonly watchEveryMs?: number;
  };

export type ServiceLog = (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;

export interface ControllerServiceOptions {
  readonly redisUrl: string;
  /** Redis key prefix. @defaultValue `chuanliu` */
  readonly redisPrefix?: string;
  readonly cluster: Cluster;
  readonly inventory: Inventory;
  readonly clock: Clock;
  readonly planSource: PlanSource;
  readonly safety?: SafetyPolicy;
  readonly metrics?: ControllerMetrics;
  readonly log?: ServiceLog;
  /** Who this replica is, in the lease value and logs. @defaultValue `controller` */
  readonly holder?: string;
  /** @defaultValue 10 s */
  readonly leaseTtlMs?: number;
  /** BullMQ job lock: a job of a dead leader is retried after this. @defaultValue 30 s */
  readonly jobLockMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  /** Writes in flight at once in one reconcile phase. @defaultValue 32 */
  readonly maxConcurrentWrites?: number;
  /** While acquires wait for Ready replicas, read the cluster this often (metrics). @defaultValue 2 s */
  readonly readinessPollMs?: number;
  /**
   * The reactive guard: live rates sampled every `sampleIntervalMs` and judged against the stored
   * forecasts' `bandQuantile` band; emergencies take capacity from offline at once.
   */
  readonly guard?: { readonly liveRates: LiveRates; readonly sampleIntervalMs: number; readonly bandQuantile: number; readonly config?: Partial<GuardConfig> };
  /**
   * The freshness gate (see the module comment). Without it every workload's data is taken as
   * fresh: give it whenever a workload's demand comes from Prometheus.
   */
  readonly freshness?: { readonly monitor: DemandFreshnessMonitor; readonly checkEveryMs: number };
  /**
   * The forecast refresh spread over the BullMQ forecast workers of every replica (forecast-workers.ts),
   * used when the plan source's cycles can forecast in batches. `false`: the leader forecasts alone.
   * @defaultValue concurrency 2 batches per replica, 50 workloads per batch, deadline 5 min
   */
  readonly forecastWorkers?: false | { readonly concurrency?: number; readonly batchSize?: number; readonly deadlineMs?: number };
  /** Kubernetes Events for what the controller does (see Controller's `events`). */
  readonly events?: EventRecorder;
  /** The operators' pause switch, read before every tick (see Controller's `controls`). */
  readonly controls?: OperatorControlsSource;
  /**
   * While leading, reconcile this often even when no job is due (like an informer's resync): an
   * override, a pause, a resume or an override's expiry takes effect within this, not at the next
   * plan step. Level-triggered: a resync with nothing to do writes nothing. 0 = never.
   * @defaultValue 10 s
   */
  readonly resyncEveryMs?: number;
  /**
   * Called after every watch poll while leading (PeakEvent statuses): the plan followed and a way
   * to read the cluster, taken only when the callee needs it.
   */
  readonly afterWatch?: (view: { readonly plan: CapacityPlan | undefined; readonly snapshot: () => Promise<ClusterSnapshot>; readonly nowMs: number }) => Promise<void>;
}

