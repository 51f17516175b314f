/**
 * One reconcile tick, the controller's machinery: read the snapshot through the Cluster port,
 * decide (decide-writes.ts), write phase by phase with bounded concurrency, and record what was
 * done. Level-triggered and idempotent: running it again, or after a crash at any point, converges
 * to the same cluster state and writes nothing more once there.
 *
 * Safety: a refused decision writes nothing; an unreadable snapshot or applied-steps store holds
 * capacity (no write at all, so nothing is scaled down on missing data); workloads whose demand
 * metrics are missing or stale are held (data-freshness.ts); dry-run writes nothing and returns
 * exactly the writes a real tick would make.
 */
import { RuntimeFailure } from '../domain/errors.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import type { Inventory } from '../domain/workload.ts';
import type { AppliedStepRecord, AppliedStepStore } from '../ports/applied-steps.ts';
import type { Clock } from '../ports/clock.ts';
import type { Cluster, ClusterSnapshot, ClusterWrite, WriteDenial, WriteOutcome } from '../ports/cluster.ts';
import { holdOnStaleData, type DataAlert, type DataFreshness } from './data-freshness.ts';
import { decideWrites } from './decide-writes.ts';
import { mapBounded } from './map-bounded.ts';
import { operatorOverrides, type OperatorOverrides } from './operator-overrides.ts';
import { WRITE_PHASES, type OrderedWrite, type TargetOverride, type WriteDecision, type WritePhase } from './decision.ts';
import { refKey, type SafetyPolicy } from './safety.ts';

/**
 * Annotations the cluster adapters leave with the time of chuanliu's last write (ISO 8601): the
 * in-memory cluster writes the first, the Kubernetes adapter the second; either is read.
 */
export const WRITTEN_AT_ANNOTATIONS: readonly string[] = ['chuanliu.io/written-at', 'chuanliu.io/last-write-at'];

export interface ReconcileOptions {
  readonly cluster: Cluster;
  readonly plan: CapacityPlan | undefined;
  readonly inventory: Inventory;
  readonly appliedSteps: AppliedStepStore;
  readonly clock: Clock;
  /** Decide and report, write nothing (neither the cluster nor the applied-steps store). */
  readonly dryRun?: boolean;
  readonly safety?: SafetyPolicy;
  /** Reactive-guard floors and caps. */
  readonly overrides?: readonly TargetOverride[];
  /**
   * Freshness of each online workload's demand metrics: a workload without fresh data is held at
   * its current level and offline is capped at its own (data-freshness.ts), with an alert each.
   * @defaultValue all data taken as fresh
   */
  readonly dataFreshness?: ReadonlyMap<string, DataFreshness>;
  /** Writes in flight at once inside one phase. @defaultValue 4 */
  readonly maxConcurrentWrites?: number;
  /** @defaultValue DEFAULT_ONLINE_DRAIN_MS (30 s) */
  readonly onlineDrainMs?: number;
  /** A snapshot the caller has just read (the guard does); otherwise the tick reads one. */
  readonly snapshot?: ClusterSnapshot;
  /**
   * Set while an operator has paused chuanliu (`chuanliu pause`): the tick decides as usual and
   * writes nothing (status `paused`); the text says who paused it and since when.
   */
  readonly paused?: string;
}

export type ApplyOutcome =
  | WriteOutcome
  | { readonly status: 'dry-run' }
  /** Not attempted: an earlier release in the same tick failed, so acquiring is unsafe. */
  | { readonly status: 'skipped'; readonly reason: string };

/** One write of a tick and what became of it. */
export interface ApplyRecord {
  readonly stepId: string;
  readonly target: string;
  readonly phase: WritePhase;
  readonly fromReplicas: number;
  readonly toReplicas: number;
  readonly write: ClusterWrite;
  readonly outcome: ApplyOutcome;
  readonly startedAtMs: number;
  readonly finishedAtMs: number;
}

export type ReconcileStatus =
  /** Every decided write succeeded (or nothing needed writing). */
  | 'done'
  | 'dry-run'
  /** The snapshot or the applied-steps store could not be read: nothing written, capacity held. */
  | 'held'
  /** A safety check refused the tick: nothing written. */
  | 'refused'
  /** An operator paused chuanliu: decided, nothing written (`decision.writes` are what it would write). */
  | 'paused'
  /** Some writes failed; the rest were made. Retrying the tick is safe. */
  | 'write-failures';

export interface ReconcileResult {
  readonly status: ReconcileStatus;
  readonly atMs: number;
  readonly planId: string | undefined;
  /** Absent when the tick held before it could decide. */
  readonly decision?: WriteDecision;
  readonly records: readonly ApplyRecord[];
  /** Step ids recorded as applied by this tick. */
  readonly stepsMarkedApplied: readonly string[];
  /** One line for logs: what happened and, when held or refused, why. */
  readonly message: string;
  /** Workloads held on missing or stale metrics in this tick (absent when none). */
  readonly dataAlerts?: readonly DataAlert[];
  /** Writes the API's authorizer refused before the tick wrote anything (status `refused`). */
  readonly permissionDenials?: readonly WriteDenial[];
  /**
   * Capacity asked for and not delivered: workloads with pods the scheduler could not place, as the
   * snapshot this tick read shows them (absent when none). Not a success: the message says so.
   */
  readonly undelivered?: readonly UndeliveredCapacity[];
  /** Operators' floors found on the workloads (annotations): active, expired, unparseable. Absent when none. */
  readonly operatorOverrides?: OperatorOverrides;
}

export interface UndeliveredCapacity {
  readonly workload: string;
  readonly unschedulableReplicas: number;
  /** The scheduler's own message. */
  readonly reason: string;
}

/** Managed workloads whose pods wait for room the scheduler cannot find. */
export function undeliveredCapacity(snapshot: ClusterSnapshot, inventory: Inventory): UndeliveredCapacity[] {
  const nameByRef = new Map([...inventory.online, ...inventory.offline].map((workload) => [refKey(workload.ref), workload.name] as const));
  const undelivered: UndeliveredCapacity[] = [];
  for (const state of snapshot.workloads) {
    const name = nameByRef.get(refKey(state.ref));
    if (name === undefined || (state.unschedulableReplicas ?? 0) === 0) continue;
    undelivered.push({ workload: name, unschedulableReplicas: state.unschedulableReplicas ?? 0, reason: state.unschedulableReason ?? 'Unschedulable' });
  }
  return undelivered;
}

function describeUndelivered(undelivered: readonly UndeliveredCapacity[]): string {
  return `capacity not delivered: ${undelivered.map((entry) => `${entry.workload} ${entry.unschedulableReplicas} Pending (${entry.reason})`).join('; ')}`;
}

export async function reconcile(options: ReconcileOptions): Promise<ReconcileResult> {
  const { clock, plan } = options;
  const atMs = clock.nowMs();
  const planId = plan?.id;
  const storePlanId = planId ?? 'none';

  let snapshot: ClusterSnapshot;
  let applied: readonly AppliedStepRecord[];
  try {
    snapshot = options.snapshot ?? await options.cluster.snapshot();
    applied = await options.appliedSteps.list(storePlanId);
  } catch (error) {
    if (!(error instanceof RuntimeFailure)) throw error;
    return {
      status: 'held', atMs, planId, records: [], stepsMarkedApplied: [],
      message: `holding capacity, nothing written: ${error.message}`,
    };
  }

  const hold = options.dataFreshness === undefined
    ? undefined
    : holdOnStaleData({ freshness: options.dataFreshness, inventory: options.inventory, snapshot, nowMs: atMs });
  const undelivered = undeliveredCapacity(snapshot, options.inventory);
  const undeliveredNote = undelivered.length > 0 ? `; ${describeUndelivered(undelivered)}` : '';
  const operator = operatorOverrides({ snapshot, inventory: options.inventory, nowMs: atMs });
  const hasOperatorOverrides = operator.active.length + operator.expired.length + operator.invalid.length > 0;
  const alerts = {
    ...(hold !== undefined && hold.alerts.length > 0 ? { dataAlerts: hold.alerts } : {}),
    ...(undelivered.length > 0 ? { undelivered } : {}),
    ...(hasOperatorOverrides ? { operatorOverrides: operator } : {}),
  };
  const overrides = [...(options.overrides ?? []), ...(hold?.overrides ?? []), ...operator.floors];
  const decision = decideWrites({
    plan,
    snapshot,
    inventory: options.inventory,
    nowMs: atMs,
    appliedStepIds: new Set(applied.map((record) => record.stepId)),
    releaseStartedAtMs: releaseStartTimes(applied, snapshot, options.inventory),
    ...(overrides.length > 0 ? { overrides } : {}),
    ...(options.safety !== undefined ? { safety: options.safety } : {}),
    ...(options.onlineDrainMs !== undefined ? { onlineDrainMs: options.onlineDrainMs } : {}),
  });

  if (decision.refusals.length > 0) {
    return {
      status: 'refused', atMs, planId, decision, records: [], stepsMarkedApplied: [],
      message: `refused, nothing written: ${decision.refusals.map((refusal) => refusal.message).join('; ')}`, ...alerts,
    };
  }
  if (options.paused !== undefined) {
    const would = decision.writes.length === 0 ? 'nothing to write' : `would write ${describeWrites(decision.writes)}`;
    return {
      status: 'paused', atMs, planId, decision, records: [], stepsMarkedApplied: [],
      message: `${options.paused}: nothing written (${would})${undeliveredNote}`, ...alerts,
    };
  }
  // Ask the authorizer before writing: a write outside chuanliu's grant refuses the whole tick.
  if (options.cluster.authorize !== undefined && decision.writes.length > 0) {
    let denials: Awaited<ReturnType<NonNullable<Cluster['authorize']>>>;
    try {
      denials = await options.cluster.authorize(decision.writes.map((write) => write.write));
    } catch (error) {
      if (!(error instanceof RuntimeFailure)) throw error;
      return {
        status: 'held', atMs, planId, decision, records: [], stepsMarkedApplied: [],
        message: `holding capacity, nothing written: cannot ask the API whether chuanliu may write: ${error.message}`, ...alerts,
      };
    }
    if (denials.length > 0) {
      return {
        status: 'refused', atMs, planId, decision, records: [], stepsMarkedApplied: [], permissionDenials: denials,
        message: `refused, nothing written: not permitted: ${denials.map((denial) => `${denial.request} (${denial.reason})`).join('; ')}`, ...alerts,
      };
    }
  }
  if (options.dryRun === true) {
    const records = decision.writes.map((write) => recordOf(write, { status: 'dry-run' }, atMs, atMs));
    return { status: 'dry-run', atMs, planId, decision, records, stepsMarkedApplied: [], message: summarize(decision, records, 'dry-run') + undeliveredNote, ...alerts };
  }

  const records = await executeWrites(options.cluster, decision.writes, clock, options.maxConcurrentWrites ?? 4);
  const stepsMarkedApplied = await recordApplied({ store: options.appliedSteps, planId: storePlanId, decision, records, atMs, applied });
  const failed = records.some((record) => record.outcome.status === 'failed' || record.outcome.status === 'skipped');
  const status: ReconcileStatus = failed ? 'write-failures' : 'done';
  return { status, atMs, planId, decision, records, stepsMarkedApplied, message: summarize(decision, records, status) + undeliveredNote, ...alerts };
}

/**
 * When each target's latest release started: the applied-steps store knows the releases it
 * recorded; the object's written-at annotation covers a release the store lost (a crash between
 * the write and the record, or a new plan id after re-planning).
 */
function releaseStartTimes(applied: readonly AppliedStepRecord[], snapshot: ClusterSnapshot, inventory: Inventory): Map<string, number> {
  const started = new Map<string, number>();
  for (const record of applied) {
    if (record.direction !== 'release') continue;
    started.set(record.target, Math.max(started.get(record.target) ?? -Infinity, record.appliedAtMs));
  }
  const stateByRef = new Map(snapshot.workloads.map((state) => [refKey(state.ref), state] as const));
  for (const workload of [...inventory.online, ...inventory.offline]) {
    if (started.has(workload.name)) continue;
    const annotations = stateByRef.get(refKey(workload.ref))?.annotations ?? {};
    const writtenAtMs = Math.max(...WRITTEN_AT_ANNOTATIONS.map((key) => {
      const text = annotations[key];
      return text === undefined ? Number.NaN : Date.parse(text);
    }).filter((value) => Number.isFinite(value)));
    if (Number.isFinite(writtenAtMs)) started.set(workload.name, writtenAtMs);
  }
  return started;
}

async function executeWrites(cluster: Cluster, writes: readonly OrderedWrite[], clock: Clock, maxConcurrent: number): Promise<ApplyRecord[]> {
  const records: ApplyRecord[] = [];
  let releaseFailed: string | undefined;
  for (const phase of WRITE_PHASES) {
    const inPhase = writes.filter((write) => write.phase === phase);
    if (inPhase.length === 0) continue;
    if (releaseFailed !== undefined && (phase === 'acquire' || phase === 'pool-shrink')) {
      const at = clock.nowMs();
      for (const write of inPhase) {
        records.push(recordOf(write, { status: 'skipped', reason: `release of ${releaseFailed} failed; acquiring now could overcommit the cluster` }, at, at));
      }
      continue;
    }
    const phaseRecords = await mapBounded(inPhase, Math.max(1, maxConcurrent), async (write) => {
      const startedAtMs = clock.nowMs();
      let outcome: WriteOutcome;
      try {
        outcome = await cluster.write(write.write);
      } catch (error) {
        // The port returns failures as outcomes; a thrown error is an adapter failure, worth a retry.
        outcome = { status: 'failed', error: error instanceof Error ? error.message : String(error), retryable: true };
      }
      return recordOf(write, outcome, startedAtMs, clock.nowMs());
    });
    records.push(...phaseRecords);
    if (phase === 'release') {
      const failure = phaseRecords.find((record) => record.outcome.status === 'failed');
      if (failure !== undefined) releaseFailed = failure.target;
    }
  }
  return records;
}

function recordOf(write: OrderedWrite, outcome: ApplyOutcome, startedAtMs: number, finishedAtMs: number): ApplyRecord {
  return {
    stepId: write.stepId, target: write.target, phase: write.phase, fromReplicas: write.fromReplicas, toReplicas: write.toReplicas,
    write: write.write, outcome, startedAtMs, finishedAtMs,
  };
}

/**
 * Records every successful write under its step id (which starts a release's drain clock), and
 * every newly due plan step whose target now stands at its level: written in this tick or found
 * already there. A step whose target waits, failed or was left alone stays unrecorded, so the next
 * tick takes it again.
 */
async function recordApplied(options: {
  store: AppliedStepStore; planId: string; decision: WriteDecision; records: readonly ApplyRecord[]; atMs: number;
  applied: readonly AppliedStepRecord[];
}): Promise<string[]> {
  const { store, planId, decision, records, atMs } = options;
  const toRecord = new Map<string, AppliedStepRecord>();
  const succeeded = new Map<string, ApplyRecord>();
  for (const record of records) {
    if (record.outcome.status !== 'applied' && record.outcome.status !== 'unchanged') continue;
    succeeded.set(record.target, record);
    toRecord.set(record.stepId, {
      planId, stepId: record.stepId, target: record.target, toReplicas: record.toReplicas,
      direction: record.phase === 'release' || record.phase === 'pool-shrink' ? 'release' : 'acquire', appliedAtMs: atMs,
    });
  }
  const atLevel = new Set(decision.skipped.filter((skip) => skip.reason === 'already-at-target').map((skip) => skip.target));
  const knownReleases = new Set(options.applied.filter((record) => record.direction === 'release').map((record) => record.target));
  const draining = new Set(decision.draining);
  const targetByName = new Map(decision.targets.map((target) => [target.name, target] as const));
  for (const step of decision.newlyDueSteps) {
    if (toRecord.has(step.id)) continue;
    const written = succeeded.get(step.workload);
    if (written !== undefined) {
      toRecord.set(step.id, { ...(toRecord.get(written.stepId) as AppliedStepRecord), stepId: step.id });
      continue;
    }
    if (!atLevel.has(step.workload)) continue;
    const target = targetByName.get(step.workload);
    // Found at its level but still draining with no recorded start (a replay after a crash between
    // write and record): start the drain clock now, the conservative choice.
    const direction = draining.has(step.workload) && !knownReleases.has(step.workload) && step.direction === 'release' ? 'release' : 'none';
    toRecord.set(step.id, { planId, stepId: step.id, target: step.workload, toReplicas: target?.target ?? step.toReplicas, direction, appliedAtMs: atMs });
  }
  for (const record of toRecord.values()) await store.markApplied(record);
  return [...toRecord.keys()];
}

const WRITES_IN_MESSAGE = 5;

function describeWrites(writes: readonly OrderedWrite[]): string {
  const shown = writes.slice(0, WRITES_IN_MESSAGE).map((write) => `${write.target} ${write.fromReplicas}→${write.toReplicas}`).join(', ');
  return writes.length > WRITES_IN_MESSAGE ? `${shown} and ${writes.length - WRITES_IN_MESSAGE} more` : shown;
}

function summarize(decision: WriteDecision, records: readonly ApplyRecord[], status: ReconcileStatus): string {
  const count = (wanted: string): number => records.filter((record) => record.outcome.status === wanted).length;
  const parts = status === 'dry-run'
    ? [`dry-run: ${records.length} writes`]
    : [`${count('applied')} applied`, `${count('unchanged')} unchanged`, `${count('failed')} failed`, `${count('skipped')} skipped`];
  if (decision.waits.length > 0) parts.push(`${decision.waits.length} waiting for drains`);
  const urgent = decision.writes.flatMap((write) => (write.cutShort !== undefined ? [write.cutShort.message] : []));
  if (urgent.length > 0) parts.push(`urgent, not waiting for drains: ${urgent.join('; ')}`);
  if (decision.warnings.length > 0) parts.push(`warnings: ${decision.warnings.join('; ')}`);
  return parts.join(', ');
}
