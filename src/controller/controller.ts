/**
 * The controller: composes reconcile ticks with a Clock and a JobQueue. Adopting a plan schedules
 * one delayed job per step, with a deterministic id (plan id + step id), plus one to reconcile at
 * once; every job runs a level-triggered reconcile, so a job delivered twice, retried, or replayed
 * after a restart changes nothing more. Acquires held back by a drain get a follow-up job at the
 * time the drain is over. The reactive guard's samples go through `observe`.
 *
 * Ticks never overlap: a queue job and a guard tick that arrive together run one after the other.
 * Logs and metrics are plain callbacks; pino and prom-client are wired by adapters.
 */
import { RuntimeFailure } from '../domain/errors.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import type { Inventory } from '../domain/workload.ts';
import type { AppliedStepStore } from '../ports/applied-steps.ts';
import type { Clock } from '../ports/clock.ts';
import type { Cluster } from '../ports/cluster.ts';
import type { EventRecorder, ObjectEvent } from '../ports/events.ts';
import type { JobQueue, QueuedJob } from '../ports/job-queue.ts';
import { describePause, type OperatorControlsSource, type PauseState } from '../ports/operator-controls.ts';
import type { DataAlert, DataFreshness } from './data-freshness.ts';
import { GuardLoop, type GuardedSample, type GuardTickResult } from './guard-loop.ts';
import type { ForecastMiss, GuardConfig, GuardDecision } from './reactive-guard.ts';
import { reconcile, type ReconcileOptions, type ReconcileResult } from './reconcile.ts';
import type { SafetyPolicy } from './safety.ts';
import { guardEvents, tickEvents } from './tick-events.ts';

export type ControllerJob =
  /** A plan step falls due. */
  | { readonly kind: 'step'; readonly planId: string; readonly stepId: string }
  /** Re-check after a drain (or a plan adoption): a plain reconcile of the current plan. */
  | { readonly kind: 'reconcile'; readonly planId: string; readonly why: string };

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface ControllerHooks {
  /** After every reconcile tick (metrics: writes, outcomes, waits, refusals). */
  readonly onReconcile?: (result: ReconcileResult, job: ControllerJob | undefined) => void;
  readonly onGuardDecision?: (decision: GuardDecision) => void;
  /** A forecast miss opened by the guard (its end arrives with the `release` decision). */
  readonly onForecastMiss?: (miss: ForecastMiss) => void;
  /** A workload held because its metrics are missing or stale (see data-freshness.ts), every tick it is. */
  readonly onDataAlert?: (alert: DataAlert) => void;
  readonly log?: (level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>) => void;
}

export interface ControllerOptions {
  readonly cluster: Cluster;
  readonly inventory: Inventory;
  readonly clock: Clock;
  readonly queue: JobQueue<ControllerJob>;
  readonly appliedSteps: AppliedStepStore;
  readonly safety?: SafetyPolicy;
  readonly guard?: Partial<GuardConfig>;
  /** Decide and report only; the cluster and the store are never written. */
  readonly dryRun?: boolean;
  /** @defaultValue 4 */
  readonly maxConcurrentWrites?: number;
  /** @defaultValue 30 s */
  readonly onlineDrainMs?: number;
  /**
   * Freshness of each online workload's metrics as last measured (`DemandFreshnessMonitor.current`).
   * When any is missing or stale, ticks hold online at (at least) its current level and cap
   * offline at its own, and raise an alert per held workload: missing data never scales down.
   * @defaultValue all data taken as fresh
   */
  readonly dataFreshness?: () => ReadonlyMap<string, DataFreshness>;
  /**
   * When a wait has no known end (only the snapshot can tell the drain is over), look again after
   * this long. @defaultValue 15 s
   */
  readonly recheckMs?: number;
  readonly hooks?: ControllerHooks;
  /** Kubernetes Events for what each tick did (fire and forget: never delays a tick). */
  readonly events?: EventRecorder;
  /**
   * The operators' pause switch, read before every tick: while paused, ticks decide and report and
   * write nothing. Unreadable: the tick holds (a pause it cannot see may be in force).
   * @defaultValue never paused
   */
  readonly controls?: OperatorControlsSource;
}

/** Job ids safe for BullMQ (no `:`, never a bare integer) and injective: encoded parts joined by dots. */
export function controllerJobId(...parts: readonly string[]): string {
  return ['cl', ...parts.map((part) => encodeURIComponent(part).replace(/\./g, '%2E'))].join('.');
}

export class Controller {
  readonly guard: GuardLoop;
  private readonly options: ControllerOptions;
  private plan: CapacityPlan | undefined;
  private scheduledIds: string[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private started = false;
  /** The pause state last read, to record Paused/Resumed once per change. */
  private lastPause: PauseState | undefined;

  constructor(options: ControllerOptions) {
    this.options = options;
    this.guard = new GuardLoop({ inventory: options.inventory, ...(options.guard !== undefined ? { config: options.guard } : {}) });
  }

  currentPlan(): CapacityPlan | undefined {
    return this.plan;
  }

  /**
   * Makes `plan` the plan to follow: cancels the jobs of the previous plan still pending, schedules
   * a job per step at its effective time and one reconcile at once. Adopting the same plan again
   * schedules nothing new (the ids exist).
   */
  async adoptPlan(plan: CapacityPlan): Promise<{ scheduled: number; cancelled: number }> {
    const { queue, clock } = this.options;
    let cancelled = 0;
    if (this.plan !== undefined && this.plan.id !== plan.id) {
      for (const id of this.scheduledIds) if (await queue.cancel(id)) cancelled += 1;
      this.scheduledIds = [];
    }
    this.plan = plan;
    const jobs: Array<QueuedJob<ControllerJob>> = [
      { id: controllerJobId(plan.id, 'adopt'), runAtMs: clock.nowMs(), payload: { kind: 'reconcile', planId: plan.id, why: 'plan adopted' } },
      ...plan.steps.map((step) => ({
        id: controllerJobId(plan.id, 'step', step.id),
        runAtMs: step.effectiveAtMs,
        payload: { kind: 'step', planId: plan.id, stepId: step.id } as const,
      })),
    ];
    for (const job of jobs) await queue.schedule(job);
    this.scheduledIds = jobs.map((job) => job.id);
    this.log('info', `adopted plan ${plan.id}: ${plan.steps.length} steps scheduled`, { planId: plan.id, cancelled });
    return { scheduled: jobs.length, cancelled };
  }

  /** Starts running queued jobs. */
  start(): void {
    if (this.started) throw new Error('controller already started');
    this.started = true;
    this.options.queue.process((job) => this.handle(job));
  }

  /** One reconcile of the current plan now (the cron-driven variant calls this once a minute). */
  reconcileNow(options: { dryRun?: boolean } = {}): Promise<ReconcileResult> {
    return this.serialized(() => this.runReconcile(undefined, options.dryRun));
  }

  /** Feeds live samples to the reactive guard; applies any emergency at once. */
  observe(samples: readonly GuardedSample[]): Promise<GuardTickResult> {
    return this.serialized(async () => {
      const pause = await this.readPause();
      if (pause.kind === 'unreadable') {
        // The guard's own state still advances on the samples; its writes wait for a readable switch.
        this.log('warn', pause.message);
      }
      const paused = pause.kind === 'unreadable' ? pause.message : pause.paused;
      const result = await this.guard.tick({ samples, reconcile: { ...this.reconcileOptions(undefined), ...(paused !== undefined ? { paused } : {}) } });
      this.emit(guardEvents(result.decisions, this.options.inventory));
      for (const decision of result.decisions) {
        this.options.hooks?.onGuardDecision?.(decision);
        if (decision.kind === 'engage') this.options.hooks?.onForecastMiss?.(decision.miss);
        this.log(decision.kind === 'release' ? 'info' : 'warn', decision.message, { workload: decision.workload, guard: decision.kind });
      }
      if (result.heldMessage !== undefined) this.log('warn', result.heldMessage);
      if (result.reconcile !== undefined) await this.afterReconcile(result.reconcile, undefined);
      return result;
    });
  }

  async close(): Promise<void> {
    await this.options.queue.close();
    await this.tail.catch(() => undefined);
  }

  private async handle(job: QueuedJob<ControllerJob>): Promise<void> {
    await this.serialized(async () => {
      const payload = job.payload;
      if (this.plan === undefined || payload.planId !== this.plan.id) {
        this.log('debug', `job ${job.id} belongs to superseded plan ${payload.planId}; skipped`);
        return;
      }
      if (payload.kind === 'step') {
        // A step a previous tick already carried out needs no tick of its own (double delivery, or
        // several steps due at the same time: the first tick applied them all).
        const applied = await this.options.appliedSteps.list(payload.planId);
        if (applied.some((record) => record.stepId === payload.stepId)) return;
      }
      const result = await this.runReconcile(payload, this.options.dryRun);
      // Held or failed writes: throw so the queue retries with backoff (the tick is idempotent).
      if (result.status === 'held' || result.status === 'write-failures') {
        throw new RuntimeFailure(`reconcile for job ${job.id} ${result.status}: ${result.message}`);
      }
    });
  }

  private async runReconcile(job: ControllerJob | undefined, dryRun: boolean | undefined): Promise<ReconcileResult> {
    const pause = await this.readPause();
    if (pause.kind === 'unreadable') {
      const result: ReconcileResult = { status: 'held', atMs: this.options.clock.nowMs(), planId: this.plan?.id, records: [], stepsMarkedApplied: [], message: pause.message };
      await this.afterReconcile(result, job);
      return result;
    }
    const result = await reconcile({ ...this.reconcileOptions(dryRun), overrides: this.guard.overrides(), ...(pause.paused !== undefined ? { paused: pause.paused } : {}) });
    await this.afterReconcile(result, job);
    return result;
  }

  /**
   * The pause switch now. A change is recorded once (Paused/Resumed on the switch's object); while
   * paused every tick says so in its status and log.
   */
  private async readPause(): Promise<{ kind: 'read'; paused: string | undefined } | { kind: 'unreadable'; message: string }> {
    const controls = this.options.controls;
    if (controls === undefined) return { kind: 'read', paused: undefined };
    let state: PauseState;
    try {
      state = await controls.read();
    } catch (error) {
      return { kind: 'unreadable', message: `holding capacity, nothing written: cannot read the pause switch: ${error instanceof Error ? error.message : String(error)}` };
    }
    const before = this.lastPause;
    this.lastPause = state;
    const changed = before === undefined ? state.paused : before.paused !== state.paused;
    if (changed && controls.object !== undefined) {
      const regarding = controls.object;
      this.emit([state.paused
        ? { regarding, type: 'Normal', reason: 'Paused', action: 'Pause', note: `chuanliu ${describePause(state)}: ticks decide and report, nothing is written until \`chuanliu resume\`` }
        : { regarding, type: 'Normal', reason: 'Resumed', action: 'Resume', note: 'chuanliu resumed: writes follow the plan again' }]);
      this.log('info', state.paused ? `chuanliu ${describePause(state)}: nothing will be written` : 'chuanliu resumed: following the plan again');
    }
    return { kind: 'read', paused: state.paused ? `chuanliu ${describePause(state)}` : undefined };
  }

  private emit(events: readonly ObjectEvent[]): void {
    const recorder = this.options.events;
    if (recorder === undefined) return;
    for (const event of events) recorder.record(event);
  }

  private reconcileOptions(dryRun: boolean | undefined): Omit<ReconcileOptions, 'overrides' | 'snapshot'> {
    const { cluster, inventory, appliedSteps, clock, safety, maxConcurrentWrites, onlineDrainMs } = this.options;
    // Read once per tick; the guard's ticks are gated too (an emergency released on stale data
    // would be a scale-down on missing data).
    const dataFreshness = this.options.dataFreshness?.();
    return {
      cluster, plan: this.plan, inventory, appliedSteps, clock,
      dryRun: dryRun ?? this.options.dryRun ?? false,
      ...(dataFreshness !== undefined ? { dataFreshness } : {}),
      ...(safety !== undefined ? { safety } : {}),
      ...(maxConcurrentWrites !== undefined ? { maxConcurrentWrites } : {}),
      ...(onlineDrainMs !== undefined ? { onlineDrainMs } : {}),
    };
  }

  /** Reports the tick and schedules the follow-up for acquires waiting on a drain. */
  private async afterReconcile(result: ReconcileResult, job: ControllerJob | undefined): Promise<void> {
    for (const alert of result.dataAlerts ?? []) {
      this.options.hooks?.onDataAlert?.(alert);
      this.log('warn', alert.message, { workload: alert.workload, alert: alert.code });
    }
    this.options.hooks?.onReconcile?.(result, job);
    this.emit(tickEvents(result, this.options.inventory));
    for (const invalid of result.operatorOverrides?.invalid ?? []) this.log('warn', invalid.message, { workload: invalid.workload });
    const level: LogLevel = result.status === 'paused' || result.status === 'refused' || result.status === 'held' || result.status === 'write-failures' || result.undelivered !== undefined ? 'warn' : 'info';
    this.log(level, `reconcile ${result.status}: ${result.message}`, { planId: result.planId, atMs: result.atMs });
    const waits = result.decision?.waits ?? [];
    if (waits.length === 0 || result.status === 'dry-run' || result.status === 'paused' || this.plan === undefined) return;
    const nowMs = this.options.clock.nowMs();
    const recheckMs = this.options.recheckMs ?? 15_000;
    const times = new Set(waits.map((wait) => Math.max(nowMs, wait.notBeforeMs ?? nowMs + recheckMs)));
    for (const runAtMs of times) {
      const id = controllerJobId(this.plan.id, 'drain', String(runAtMs));
      await this.options.queue.schedule({ id, runAtMs, payload: { kind: 'reconcile', planId: this.plan.id, why: 'drain over' } });
      this.scheduledIds.push(id);
    }
  }

  private serialized<Result>(run: () => Promise<Result>): Promise<Result> {
    const next = this.tail.then(run, run);
    this.tail = next.catch(() => undefined);
    return next;
  }

  private log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.options.hooks?.log?.(level, message, fields);
  }
}
