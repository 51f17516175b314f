/**
 * The controller as it runs in the cluster: the controller core (src/controller) on a BullMQ queue,
 * a Redis applied-steps store and Redis state, behind a leader lease.
 *
 * - Leadership: every replica tries to take the lease (`RedisLease`); only the holder runs the
 *   queue's worker, the cycles and the readiness poll, so two replicas never apply at once. The
 *   holder renews every ttl/3 and steps down when it cannot; a standby takes over ttl after the
 *   leader died (kill -9).
 * - On taking the lead: read the plan (a fixed `--plan`, or the last plan in Redis), adopt it
 *   (deterministic job ids: steps already scheduled are not scheduled again), start the worker and
 *   reconcile once at once, so a restarted controller resumes a shift where it stopped.
 * - Cycles (planner mode): BullMQ job schedulers refresh forecasts and re-plan; each new plan is
 *   saved to Redis before it is adopted; the old plan's pending step jobs are cancelled.
 * - Freshness gate: the leader checks the demand metrics every `checkEveryMs` (and at once when a
 *   forecast refresh fails); ticks hold every workload whose metrics are missing or stale (no
 *   scale-down, offline capped) and each change of status is logged, exported and reconciled at
 *   once — so holds start within a check period and the plan resumes as soon as data is back.
 * - `stop` (SIGTERM): stop taking jobs, wait for the running tick, release the lease, close Redis.
 */
import type { ControllerJob, ControllerHooks, LogLevel } from '../../controller/controller.ts';
import { Controller, controllerJobId } from '../../controller/controller.ts';
import type { FreshnessChange } from '../../controller/freshness-monitor.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import { BullmqJobQueue } from './bullmq-job-queue.ts';
import { CoalescingQueue } from './coalescing-queue.ts';
import type { ControllerServiceOptions } from './controller-service-options.ts';
import { CycleSchedulers } from './cycle-schedulers.ts';
import { guardSamples } from './live-rates.ts';
import type { PlanningCycles } from './planning-cycles.ts';
import { RedisAppliedStepStore } from './redis-applied-steps.ts';
import { closeRedis, createRedis, redisOptionsFromUrl, type Redis } from './redis-connection.ts';
import { redisKeys, type RedisKeys } from './redis-keys.ts';
import { RedisLease } from './redis-lease.ts';
import { RedisStateStore, type ControllerCondition, type CycleName } from './redis-state.ts';
import { SpreadForecastRefresh } from './spread-forecast-refresh.ts';

export type { ControllerServiceOptions, PlanSource, ServiceLog } from './controller-service-options.ts';


type Role = 'starting' | 'standby' | 'leader' | 'stopped';
type CycleTrigger = 'scheduler' | 'start-up' | 'change';

interface Term {
  readonly controller: Controller;
  readonly queue: BullmqJobQueue<ControllerJob>;
  readonly cycles?: CycleSchedulers;
  readonly poll: ReturnType<typeof setInterval>;
  readonly guardTimer?: ReturnType<typeof setInterval>;
  readonly freshnessTimer?: ReturnType<typeof setInterval>;
  readonly watchTimer?: ReturnType<typeof setInterval>;
  readonly resyncTimer?: ReturnType<typeof setInterval>;
}

export class ControllerService {
  readonly keys: RedisKeys;
  private readonly options: ControllerServiceOptions;
  private readonly redis: Redis;
  private readonly lease: RedisLease;
  private readonly state: RedisStateStore;
  private readonly appliedSteps: RedisAppliedStepStore;
  private role: Role = 'starting';
  private term: Term | undefined;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  private transition: Promise<void> = Promise.resolve();
  private redisReady = false;
  private cycleChain: Promise<void> = Promise.resolve();
  private guardRunning = false;
  private watchRunning = false;
  private guardForecasts: { readAtMs: number; forecasts: ReadonlyMap<string, Forecast> } | undefined;
  /** Every replica's share of the spread forecast refresh, and the leader's side of it. */
  private readonly spreadRefresh: SpreadForecastRefresh | undefined;

  constructor(options: ControllerServiceOptions) {
    this.options = options;
    this.keys = redisKeys(options.redisPrefix);
    this.redis = createRedis(options.redisUrl, { name: `chuanliu-${options.holder ?? 'controller'}` });
    this.redis.on('ready', () => { this.redisReady = true; });
    this.redis.on('close', () => { this.redisReady = false; });
    this.redis.on('error', (error: Error) => this.log('warn', `redis: ${error.message}`));
    this.lease = new RedisLease({ redis: this.redis, key: this.keys.leader, ttlMs: options.leaseTtlMs ?? 10_000, holder: options.holder ?? 'controller' });
    this.state = new RedisStateStore(this.redis, this.keys);
    this.appliedSteps = new RedisAppliedStepStore({ redis: this.redis, keys: this.keys });
    this.spreadRefresh = SpreadForecastRefresh.for(options, { redis: this.redis, keys: this.keys, state: this.state, log: (level, message, fields) => this.log(level, message, fields) });
  }

  get currentRole(): Role {
    return this.role;
  }

  /**
   * Records a condition of the controller (e.g. InputsLoaded=False after a failed reload) where
   * `chuanliu status` reads it; a failure to record it is logged, never thrown.
   */
  async recordCondition(condition: Omit<ControllerCondition, 'lastTransitionTime'>, nowMs: number): Promise<void> {
    try {
      const previous = (await this.state.loadConditions()).find((item) => item.type === condition.type);
      if (previous !== undefined && previous.status === condition.status && previous.message === condition.message) return;
      const lastTransitionTime = previous !== undefined && previous.status === condition.status ? previous.lastTransitionTime : new Date(nowMs).toISOString();
      await this.state.saveCondition({ ...condition, lastTransitionTime });
    } catch (error) {
      this.log('error', `condition ${condition.type} not recorded: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** The controller of the current leadership term (undefined while standby). */
  get controller(): Controller | undefined {
    return this.term?.controller;
  }

  /** Starts competing for the lease; resolves after the first attempt (leader or standby). */
  async start(): Promise<void> {
    if (this.role !== 'starting') throw new Error('controller service already started');
    this.role = 'standby';
    this.spreadRefresh?.start();
    await this.leaseTick();
    this.leaseTimer = setInterval(() => void this.leaseTick(), Math.max(50, Math.floor(this.lease.ttlMs / 3)));
  }

  /** Ready: Redis answers and this replica is either leading or standing by. */
  async readiness(): Promise<{ ready: boolean; reason?: string }> {
    if (this.role === 'starting' || this.role === 'stopped') return { ready: false, reason: this.role };
    if (!this.redisReady) return { ready: false, reason: 'redis unreachable' };
    return { ready: true };
  }

  async stop(): Promise<void> {
    if (this.role === 'stopped') return;
    if (this.leaseTimer !== undefined) clearInterval(this.leaseTimer);
    await this.serial(async () => {
      const wasLeader = this.role === 'leader';
      await this.stepDown('shutting down');
      this.role = 'stopped';
      if (wasLeader) await this.lease.release().catch(() => undefined);
    });
    await this.spreadRefresh?.close();
    await closeRedis(this.redis);
  }

  private leaseTick(): Promise<void> {
    return this.serial(async () => {
      if (this.role === 'stopped') return;
      try {
        if (this.role === 'leader') {
          // Commands wait for a lost Redis connection to come back; a leader must not wait past its
          // lease, or a standby that still reaches Redis leads beside it.
          const renewed = await withTimeout(this.lease.renew(), this.lease.ttlMs / 2, 'renewing the leader lease');
          if (!renewed) await this.stepDown('lost the leader lease');
        } else if (await this.lease.tryAcquire()) {
          await this.becomeLeader();
        }
      } catch (error) {
        this.log('warn', `leader lease: ${(error as Error).message}`);
        if (this.role === 'leader') await this.stepDown('cannot renew the leader lease');
      }
    });
  }

  private async becomeLeader(): Promise<void> {
    const { options } = this;
    this.role = 'leader';
    options.metrics?.setLeader(true);
    this.log('info', 'took the leader lease: applying plan steps', { holder: this.lease.token });
    const connection = redisOptionsFromUrl(options.redisUrl);
    const queue = new BullmqJobQueue<ControllerJob>({
      connection,
      queueName: 'steps',
      prefix: this.keys.bullmqPrefix,
      clock: options.clock,
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
      lockDurationMs: options.jobLockMs ?? 30_000,
      stalledIntervalMs: Math.max(500, Math.floor((options.jobLockMs ?? 30_000) / 2)),
      onEvent: (event) => {
        if (event.kind === 'retrying') this.log('warn', `job ${event.job.id} failed (attempt ${event.attempt}), retrying: ${event.error}`);
        if (event.kind === 'failed') this.log('error', `job ${event.job.id} failed after ${event.attempts} attempts: ${event.error}`);
      },
      onError: (error) => this.log('warn', `bullmq: ${error.message}`),
    });
    const coalescing = new CoalescingQueue(queue);
    const freshnessMonitor = options.freshness?.monitor;
    const controller = new Controller({
      cluster: options.cluster,
      inventory: options.inventory,
      clock: options.clock,
      queue: coalescing,
      appliedSteps: this.appliedSteps,
      maxConcurrentWrites: options.maxConcurrentWrites ?? 32,
      ...(options.safety !== undefined ? { safety: options.safety } : {}),
      ...(options.guard?.config !== undefined ? { guard: options.guard.config } : {}),
      ...(freshnessMonitor !== undefined ? { dataFreshness: () => freshnessMonitor.current() } : {}),
      ...(options.events !== undefined ? { events: options.events } : {}),
      ...(options.controls !== undefined ? { controls: options.controls } : {}),
      hooks: this.hooks(coalescing),
    });
    const poll = setInterval(() => void this.pollReadiness(), options.readinessPollMs ?? 2_000);
    let cycles: CycleSchedulers | undefined;
    if (options.planSource.kind === 'cycles') {
      cycles = new CycleSchedulers({
        connection, queueName: 'cycles', prefix: this.keys.bullmqPrefix, timings: options.planSource.timings,
        onError: (error) => this.log('warn', `bullmq cycles: ${error.message}`),
      });
    }
    const guardTimer = options.guard !== undefined ? setInterval(() => void this.guardTick(), options.guard.sampleIntervalMs) : undefined;
    const freshnessTimer = options.freshness !== undefined ? setInterval(() => void this.checkFreshness(), options.freshness.checkEveryMs) : undefined;
    const planSource = options.planSource;
    const watchTimer = planSource.kind === 'cycles' && planSource.cycles.pollChanges !== undefined && planSource.watchEveryMs !== 0
      ? setInterval(() => void this.watchChanges(), planSource.watchEveryMs ?? 5_000)
      : undefined;
    const resyncEveryMs = options.resyncEveryMs ?? 10_000;
    const resyncTimer = resyncEveryMs > 0
      ? setInterval(() => void controller.reconcileNow().catch((error: Error) => this.log('error', `resync reconcile failed: ${error.message}`)), resyncEveryMs)
      : undefined;
    this.term = {
      controller, queue, poll, ...(cycles !== undefined ? { cycles } : {}), ...(guardTimer !== undefined ? { guardTimer } : {}),
      ...(resyncTimer !== undefined ? { resyncTimer } : {}),
      ...(freshnessTimer !== undefined ? { freshnessTimer } : {}), ...(watchTimer !== undefined ? { watchTimer } : {}),
    };

    const plan = options.planSource.kind === 'fixed' ? await this.takeFixedPlan(options.planSource.plan) : await this.state.loadPlan();
    if (plan !== undefined) await this.adopt(plan);
    else this.log('warn', 'no plan yet: waiting for the first planning cycle');
    controller.start();
    if (cycles !== undefined) {
      await cycles.declare();
      cycles.process((cycle) => this.runCycle(cycle, 'scheduler'));
      // A controller that never planned plans now rather than at the first scheduled tick.
      if (plan === undefined) {
        void this.runCycle('forecast', 'start-up').then(() => this.runCycle('plan', 'start-up'))
          .catch((error: Error) => this.log('error', `first planning cycle failed: ${error.message}`));
      }
    }
    // Resume at once: whatever a dead leader left half-done is level-triggered back to the plan.
    // The adoption's own job may tick before the first freshness check answers: that tick holds
    // every measured workload (nothing vouches for its data yet) while raising what the plan
    // raises; the tick after the check follows the plan wherever the data is fresh.
    void this.checkFreshness({ reconcile: false })
      .then(() => controller.reconcileNow())
      .catch((error: Error) => this.log('error', `reconcile after taking the lead failed: ${error.message}`));
  }

  private async stepDown(why: string): Promise<void> {
    const term = this.term;
    this.term = undefined;
    if (this.role === 'leader') this.role = 'standby';
    this.options.metrics?.setLeader(false);
    if (term === undefined) return;
    this.log('info', `stepping down: ${why}`);
    clearInterval(term.poll);
    if (term.guardTimer !== undefined) clearInterval(term.guardTimer);
    if (term.freshnessTimer !== undefined) clearInterval(term.freshnessTimer);
    if (term.watchTimer !== undefined) clearInterval(term.watchTimer);
    if (term.resyncTimer !== undefined) clearInterval(term.resyncTimer);
    await term.cycles?.close();
    // Closes the queue: waits for the running tick, takes no further job.
    await term.controller.close();
  }

  /** A fixed plan replaces the stored one (its pending steps are cancelled) and is stored. */
  private async takeFixedPlan(plan: CapacityPlan): Promise<CapacityPlan> {
    const stored = await this.state.loadPlan();
    if (stored !== undefined && stored.id !== plan.id) await this.cancelSteps(stored);
    if (stored?.id !== plan.id) await this.state.savePlan(plan);
    return plan;
  }

  private async adopt(plan: CapacityPlan): Promise<void> {
    const term = this.term;
    if (term === undefined) return;
    const { scheduled, cancelled } = await term.controller.adoptPlan(plan);
    this.options.metrics?.observePlan(plan, this.options.clock.nowMs());
    this.log('info', `following plan ${plan.id}`, { planId: plan.id, steps: plan.steps.length, scheduled, cancelled });
  }

  private async cancelSteps(plan: CapacityPlan): Promise<void> {
    const queue = this.term?.queue;
    if (queue === undefined) return;
    let cancelled = 0;
    for (const step of plan.steps) if (await queue.cancel(controllerJobId(plan.id, 'step', step.id))) cancelled += 1;
    if (cancelled > 0) this.log('info', `cancelled ${cancelled} pending steps of superseded plan ${plan.id}`);
  }

  /**
   * Cycles run one at a time. A scheduled run right after the same cycle ran (BullMQ's first
   * `every` job coinciding with the start-up run) is skipped: within half a period, or 30 s for cron.
   */
  private runCycle(cycle: CycleName, trigger: CycleTrigger): Promise<void> {
    const next = this.cycleChain.then(() => this.cycleNow(cycle, trigger)).catch((error: unknown) => {
      // Never only in BullMQ's failed set: the log and a metric say it too.
      this.options.metrics?.onCycleFailure(cycle);
      this.log('error', `${cycle} cycle (${trigger}) failed, the last ${cycle === 'plan' ? 'plan' : 'forecasts'} stay in force: ${error instanceof Error ? error.message : String(error)}`, { cycle, trigger });
      throw error;
    });
    this.cycleChain = next.catch(() => undefined);
    return next;
  }

  /**
   * Polls the planning source (PeakEvents, calendar, config); a change re-forecasts and re-plans at
   * once, not at the next scheduled cycle. Polling rather than a watch: one mechanism for the
   * config file, the mounted calendar ConfigMap and the PeakEvent API, no resync logic after a
   * dropped watch, and a bounded delay (`watchEveryMs`, 5 s) well inside the one-minute goal.
   */
  private async watchChanges(): Promise<void> {
    const source = this.options.planSource;
    if (source.kind !== 'cycles' || source.cycles.pollChanges === undefined || this.watchRunning || this.term === undefined) return;
    this.watchRunning = true;
    try {
      let changed: string | undefined;
      try {
        changed = await source.cycles.pollChanges();
      } catch (error) {
        this.log('error', `watching the planning inputs failed: ${error instanceof Error ? error.message : String(error)}`);
        return;
      }
      if (changed !== undefined) {
        this.log('info', `${changed}: re-forecasting and re-planning now`, { trigger: 'change' });
        // A failed cycle is logged and counted by runCycle; the next change or schedule retries.
        await this.runCycle('forecast', 'change').then(() => this.runCycle('plan', 'change')).catch(() => undefined);
      }
      const { afterWatch, cluster, clock } = this.options;
      await afterWatch?.({ plan: this.term?.controller.currentPlan(), snapshot: () => cluster.snapshot(), nowMs: clock.nowMs() })
        .catch((error: Error) => this.log('error', `after the watch poll: ${error.message}`));
    } finally {
      this.watchRunning = false;
    }
  }

  private async cycleNow(cycle: CycleName, trigger: CycleTrigger): Promise<void> {
    const source = this.options.planSource;
    if (source.kind !== 'cycles' || this.term === undefined) return;
    const nowMs = this.options.clock.nowMs();
    if (trigger === 'scheduler') {
      const timing = source.timings[cycle];
      const minGapMs = timing !== undefined && 'everyMs' in timing ? timing.everyMs / 2 : 30_000;
      const lastMs = await this.state.lastCycle(cycle);
      if (lastMs !== undefined && nowMs - lastMs < minGapMs) return;
    }
    if (cycle === 'forecast') {
      await this.refreshForecastsNow(source.cycles, nowMs);
    } else {
      const [forecasts, previousPlan, snapshot] = await Promise.all([this.state.loadForecasts(), this.state.loadPlan(), this.options.cluster.snapshot()]);
      const plan = await source.cycles.plan({ nowMs, forecasts, snapshot, ...(previousPlan !== undefined ? { previousPlan } : {}) });
      if (previousPlan !== undefined && previousPlan.id !== plan.id) await this.cancelSteps(previousPlan);
      await this.state.savePlan(plan);
      await this.state.markCycle(cycle, nowMs);
      await this.adopt(plan);
      return;
    }
    await this.state.markCycle(cycle, nowMs);
  }

  /** The forecast cycle: spread over every replica's workers when they run, else here alone. */
  private async refreshForecastsNow(cycles: PlanningCycles, nowMs: number): Promise<void> {
    const { metrics } = this.options;
    if (this.spreadRefresh !== undefined) {
      const term = this.term;
      try {
        await this.spreadRefresh.refresh(cycles, nowMs, () => this.term === term && term !== undefined);
      } catch (error) {
        void this.checkFreshness();
        throw error;
      }
      if (this.term !== term) throw new Error('stepped down during the forecast refresh; the next leader refreshes');
      this.guardForecasts = undefined;
      return;
    }
    let forecasts: Forecast[];
    try {
      forecasts = await cycles.refreshForecasts(nowMs);
    } catch (error) {
      // The demand history could not be read: find out now which data is missing, not a check later.
      void this.checkFreshness();
      throw error;
    }
    await this.state.saveForecasts(forecasts);
    this.guardForecasts = undefined;
    metrics?.observeForecasts(forecasts, nowMs);
    this.log('info', `forecasts refreshed for ${forecasts.length} workloads`);
  }

  /**
   * Checks the demand metrics' freshness, exports it, logs every change of status and, unless told
   * not to, reconciles at once after a change: a hold starts now, and a plan held back resumes now.
   */
  private async checkFreshness(options: { reconcile: boolean } = { reconcile: true }): Promise<void> {
    const { freshness, metrics, clock } = this.options;
    const controller = this.term?.controller;
    if (freshness === undefined || controller === undefined) return;
    // Exported before probing too, so a probe that hangs still shows as missing once results expire.
    metrics?.observeFreshness(freshness.monitor.current(), clock.nowMs());
    let changes: FreshnessChange[];
    try {
      changes = await freshness.monitor.refresh();
    } catch (error) {
      // Never expected (probe failures are `missing` data), but a timer's rejection must not end the process.
      this.log('error', `freshness check failed: ${(error as Error).message}`);
      return;
    }
    metrics?.observeFreshness(freshness.monitor.current(), clock.nowMs());
    for (const { workload, from, to } of changes) {
      if (to.status === 'fresh') {
        if (from !== undefined) this.log('info', `${workload}: demand metrics fresh again; following the plan`, { workload });
        continue;
      }
      const code = to.status === 'missing' ? 'metrics-missing' : 'metrics-stale';
      this.log('warn', `${workload}: demand metrics ${to.status} (${to.message}); holding its capacity, no scale-down until fresh data returns`, { workload, alert: code });
    }
    if (!options.reconcile || changes.length === 0 || this.term?.controller !== controller) return;
    await controller.reconcileNow().catch((error: Error) => this.log('error', `reconcile after a freshness change failed: ${error.message}`));
  }

  /** One guard tick: sample live rates, judge them against the forecast band, act on emergencies. */
  private async guardTick(): Promise<void> {
    const { guard, metrics, clock } = this.options;
    const controller = this.term?.controller;
    if (guard === undefined || controller === undefined || this.guardRunning) return;
    this.guardRunning = true;
    try {
      const nowMs = clock.nowMs();
      const [rates, forecasts] = await Promise.all([guard.liveRates.sample(nowMs), this.forecastsForGuard()]);
      for (const [workload, rps] of rates) metrics?.observeActualRps(workload, rps);
      metrics?.observeForecasts(forecasts.values(), nowMs);
      const samples = guardSamples({ rates, forecasts, bandQuantile: guard.bandQuantile, nowMs });
      if (samples.length > 0) await controller.observe(samples);
    } catch (error) {
      this.log('warn', `guard tick failed: ${(error as Error).message}`);
    } finally {
      this.guardRunning = false;
    }
  }

  /** Stored forecasts, read again at most once a minute (they change once per forecast cycle). */
  private async forecastsForGuard(): Promise<ReadonlyMap<string, Forecast>> {
    const nowMs = this.options.clock.nowMs();
    if (this.guardForecasts === undefined || nowMs - this.guardForecasts.readAtMs > 60_000) {
      this.guardForecasts = { readAtMs: nowMs, forecasts: await this.state.loadForecasts() };
    }
    return this.guardForecasts.forecasts;
  }

  private async pollReadiness(): Promise<void> {
    const { metrics, cluster, clock } = this.options;
    const plan = this.term?.controller.currentPlan();
    if (metrics === undefined) return;
    if (plan !== undefined) metrics.observePlan(plan, clock.nowMs());
    if (metrics.pendingReadiness() === 0) return;
    try {
      metrics.observeSnapshot(await cluster.snapshot());
    } catch (error) {
      this.log('debug', `readiness poll: ${(error as Error).message}`);
    }
  }

  private hooks(coalescing: CoalescingQueue): ControllerHooks {
    const { metrics } = this.options;
    return {
      onReconcile: (result, job) => {
        coalescing.noteReconcile(result);
        metrics?.onReconcile(result, job);
      },
      onForecastMiss: (miss) => metrics?.onForecastMiss(miss),
      onDataAlert: (alert) => metrics?.onDataAlert(alert),
      log: (level, message, fields) => this.log(level, message, fields),
    };
  }

  /** Leadership changes one at a time (a renewal never races a step-down). */
  private serial(run: () => Promise<void>): Promise<void> {
    const next = this.transition.then(run, run);
    this.transition = next.catch(() => undefined);
    return next;
  }

  private log(level: LogLevel, message: string, fields?: Readonly<Record<string, unknown>>): void {
    this.options.log?.(level, message, fields);
  }
}

/** Rejects when `promise` has not settled within `timeoutMs`. */
function withTimeout<Result>(promise: Promise<Result>, timeoutMs: number, what: string): Promise<Result> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${Math.round(timeoutMs)} ms`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
