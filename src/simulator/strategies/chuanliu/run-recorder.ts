/**
 * Records what one chuanliu run did — the plans it adopted, the guard's decisions and how fast the
 * emergency capacity was Ready, and every write the controller made with the state it was decided
 * on — for the demo's summary, the benchmark and the invariant tests. An observer only: it never
 * changes what the strategy does.
 */
import type { Forecast } from '../../../domain/forecast.ts';
import type { CapacityPlan } from '../../../domain/plan.ts';
import type { WritePhase } from '../../../controller/decision.ts';
import type { GuardDecision } from '../../../controller/reactive-guard.ts';
import type { ReconcileResult } from '../../../controller/reconcile.ts';
import { CorrelatingEventRecorder } from '../../../adapters/events/correlating-recorder.ts';
import { MemoryEventSink } from '../../../adapters/memory/memory-events.ts';
import type { Clock } from '../../../ports/clock.ts';
import type { EventRecorder } from '../../../ports/events.ts';
import type { ChuanliuObserver, GuardResponse } from '../chuanliu.ts';

/** One write the controller made, with the snapshot figures it was decided on. */
export interface RecordedWrite {
  readonly atMs: number;
  readonly target: string;
  readonly class: 'online' | 'offline' | 'pool' | 'placeholder';
  readonly phase: WritePhase;
  readonly fromReplicas: number;
  readonly toReplicas: number;
  /** Ready replicas (pool: nodes) when the tick decided. */
  readonly readyBefore: number;
  readonly reason: string;
  readonly stepId: string;
  readonly outcome: string;
  /** Position of the write in its reconcile tick (ticks are numbered in `tick`). */
  readonly order: number;
  readonly tick: number;
  /** An acquire written while drains were in flight: `free-room` (its pods fit the room free then) or the urgency code. */
  readonly aheadOfDrains?: string;
}

export interface RecordedPlan {
  readonly atMs: number;
  readonly reason: string;
  readonly plan: CapacityPlan;
}

export class ChuanliuRunRecorder implements ChuanliuObserver {
  readonly plans: RecordedPlan[] = [];
  /** The forecasts the first plan was made from (before the run). */
  firstForecasts: ReadonlyMap<string, Forecast> = new Map();
  readonly guardDecisions: GuardDecision[] = [];
  readonly guardResponses: GuardResponse[] = [];
  readonly writes: RecordedWrite[] = [];
  /** Reconcile ticks that were refused by a safety check (should stay empty). */
  readonly refusals: string[] = [];
  /** The Kubernetes Events the controller recorded (de-duplicated as on a cluster), in memory. */
  readonly events = new MemoryEventSink();
  /** Plans adopted in the run (kept: the first, or all with `keepPlans: 'all'`). */
  planCount = 0;
  /** Plans adopted because a short-notice PeakEvent was announced (always kept: the demo shows them). */
  readonly peakEventPlans: RecordedPlan[] = [];
  private ticks = 0;

  constructor(private readonly options: { readonly keepPlans?: 'first' | 'all' } = {}) {}

  eventRecorder(clock: Clock): EventRecorder {
    return new CorrelatingEventRecorder({ sink: this.events, clock });
  }

  onPlan(event: { readonly atMs: number; readonly reason: string; readonly plan: CapacityPlan; readonly forecasts: ReadonlyMap<string, Forecast> }): void {
    if (this.plans.length === 0) this.firstForecasts = event.forecasts;
    if (this.plans.length === 0 || this.options.keepPlans === 'all') this.plans.push({ atMs: event.atMs, reason: event.reason, plan: event.plan });
    if (event.reason.startsWith('peak-event')) this.peakEventPlans.push({ atMs: event.atMs, reason: event.reason, plan: event.plan });
    this.planCount += 1;
  }

  onGuardDecision(decision: GuardDecision): void {
    this.guardDecisions.push(decision);
  }

  onGuardResponse(response: GuardResponse): void {
    this.guardResponses.push(response);
  }

  onReconcile(result: ReconcileResult): void {
    this.ticks += 1;
    if (result.status === 'refused') this.refusals.push(result.message);
    const decided = new Map((result.decision?.targets ?? []).map((target) => [target.name, target] as const));
    const ahead = new Map<string, string>();
    for (const write of result.decision?.writes ?? []) {
      if (write.cutShort !== undefined) ahead.set(write.target, write.cutShort.code);
      else if (write.admittedOnFreeRoom === true) ahead.set(write.target, 'free-room');
    }
    result.records.forEach((record, order) => {
      if (record.outcome.status === 'dry-run' || record.outcome.status === 'skipped') return;
      const target = decided.get(record.target);
      this.writes.push({
        atMs: record.startedAtMs,
        target: record.target,
        class: target?.class ?? 'pool',
        phase: record.phase,
        fromReplicas: record.fromReplicas,
        toReplicas: record.toReplicas,
        readyBefore: target?.readyReplicas ?? 0,
        reason: record.write.provenance.reason,
        stepId: record.stepId,
        outcome: record.outcome.status,
        order,
        tick: this.ticks,
        ...(ahead.has(record.target) ? { aheadOfDrains: ahead.get(record.target) as string } : {}),
      });
    });
  }

  /** The first plan (made before the run from the history only). */
  firstPlan(): CapacityPlan | undefined {
    return this.plans[0]?.plan;
  }
}
