/**
 * What a reconcile tick and the reactive guard did, as Kubernetes Events on the objects concerned
 * (pure: the result in, Events out; the recorder folds repeats). Reasons and types:
 *
 * | reason            | type    | when |
 * |-------------------|---------|------|
 * | ScaledForPeak     | Normal  | an online workload (or a pool's placeholders) raised |
 * | ScaledBack        | Normal  | an online workload lowered after the peak |
 * | ReleasedForPeak   | Normal  | an offline workload lowered to give its room to online |
 * | ReturnedAfterPeak | Normal  | an offline workload given its room back |
 * | WriteFailed       | Warning | a write failed after its retries (the tick is retried) |
 * | RefusedTick       | Warning | a safety check or the API's authorizer refused the tick: nothing written |
 * | HeldStaleData     | Warning | demand metrics missing or stale: held, no scale-down |
 * | Paused            | Normal  | paused (everything, or this workload's annotation): nothing written |
 * | OverrideApplied   | Normal  | an operator's floor is in force |
 * | OverrideExpired   | Normal  | an operator's floor has expired and no longer applies |
 * | OverrideInvalid   | Warning | override annotations that do not parse: ignored |
 * | GuardEngaged      | Warning | live demand above the forecast band: emergency floor |
 * | GuardReleased     | Normal  | the emergency is over |
 */
import type { Inventory, Workload, WorkloadRef } from '../domain/workload.ts';
import type { ClusterWrite } from '../ports/cluster.ts';
import type { EventObjectRef, ObjectEvent } from '../ports/events.ts';
import type { ApplyRecord, ReconcileResult } from './reconcile.ts';
import type { GuardDecision } from './reactive-guard.ts';

const API_VERSION_OF_KIND: Readonly<Record<WorkloadRef['apiKind'], string>> = {
  Deployment: 'apps/v1', StatefulSet: 'apps/v1', Job: 'batch/v1', CronJob: 'batch/v1',
};

export function objectRefOf(ref: WorkloadRef): EventObjectRef {
  return { apiVersion: API_VERSION_OF_KIND[ref.apiKind], kind: ref.apiKind, namespace: ref.namespace, name: ref.name };
}

function workloadIndex(inventory: Inventory): Map<string, Workload> {
  return new Map([...inventory.online, ...inventory.offline].map((workload) => [workload.name, workload] as const));
}

/** The object a write concerns (the workload, also for an HPA floor) and the HPA as related; pools have none. */
function writeObjects(write: ClusterWrite): { regarding: EventObjectRef; related?: EventObjectRef } | undefined {
  if (write.kind === 'pool-nodes') return undefined;
  const regarding = objectRefOf(write.ref);
  if (write.kind === 'hpa-min') {
    return { regarding, related: { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', namespace: write.ref.namespace, name: write.hpaName } };
  }
  return { regarding };
}

function actionOf(write: ClusterWrite): string {
  switch (write.kind) {
    case 'hpa-min': return 'SetHPAFloor';
    case 'job-parallelism': return 'SetParallelism';
    case 'cronjob-suspend': return write.suspend ? 'Suspend' : 'Resume';
    default: return 'Scale';
  }
}

function quantity(write: ClusterWrite): string {
  switch (write.kind) {
    case 'hpa-min': return `HPA ${write.hpaName} minReplicas`;
    case 'job-parallelism': return 'parallelism';
    case 'cronjob-suspend': return 'active';
    default: return 'replicas';
  }
}

/** A write that succeeded or failed, as an Event (its reason is set by the caller, by class and direction). */
function writeEvent(record: ApplyRecord): Omit<ObjectEvent, 'reason'> & { reason?: 'WriteFailed' } | undefined {
  const objects = writeObjects(record.write);
  if (objects === undefined) return undefined;
  const { provenance } = record.write;
  const change = `${quantity(record.write)} ${record.fromReplicas}→${record.toReplicas}`;
  if (record.outcome.status === 'failed') {
    return { ...objects, type: 'Warning', reason: 'WriteFailed', action: actionOf(record.write), note: `${change} not written: ${record.outcome.error}` };
  }
  if (record.outcome.status !== 'applied') return undefined;
  return { ...objects, type: 'Normal', action: actionOf(record.write), note: `${change}: ${provenance.message} (plan ${provenance.planId}, step ${provenance.stepId})` };
}

/** Events for one reconcile tick. */
export function tickEvents(result: ReconcileResult, inventory: Inventory): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  const workloads = workloadIndex(inventory);
  const classOf = (target: string): 'online' | 'offline' | 'other' => workloads.get(target)?.class ?? 'other';
  for (const record of result.records) {
    const event = writeEvent(record);
    if (event === undefined) continue;
    if (event.reason === 'WriteFailed') {
      events.push({ ...event, reason: 'WriteFailed' });
      continue;
    }
    const up = record.toReplicas > record.fromReplicas;
    const targetClass = classOf(record.target);
    const reason = targetClass === 'offline'
      ? (up ? 'ReturnedAfterPeak' : 'ReleasedForPeak')
      : (up ? 'ScaledForPeak' : 'ScaledBack');
    events.push({ ...event, reason });
  }
  if (result.status === 'refused') {
    const denials = result.permissionDenials ?? [];
    for (const denial of denials) {
      const objects = writeObjects(denial.write);
      if (objects !== undefined) events.push({ ...objects, type: 'Warning', reason: 'RefusedTick', action: 'Refuse', note: `nothing written this tick: not permitted: ${denial.request} (${denial.reason})` });
    }
    for (const refusal of result.decision?.refusals ?? []) {
      const workload = refusal.target !== undefined ? workloads.get(refusal.target) : undefined;
      if (workload !== undefined) events.push({ regarding: objectRefOf(workload.ref), type: 'Warning', reason: 'RefusedTick', action: 'Refuse', note: `nothing written this tick: ${refusal.message}` });
    }
  }
  for (const alert of result.dataAlerts ?? []) {
    const workload = workloads.get(alert.workload);
    if (workload !== undefined) events.push({ regarding: objectRefOf(workload.ref), type: 'Warning', reason: 'HeldStaleData', action: 'Hold', note: alert.message });
  }
  if (result.status === 'paused') {
    for (const write of result.decision?.writes ?? []) {
      const objects = writeObjects(write.write);
      if (objects !== undefined) events.push({ ...objects, type: 'Normal', reason: 'Paused', action: 'Hold', note: `chuanliu is paused: ${quantity(write.write)} left at ${write.fromReplicas} (the plan asks ${write.toReplicas})` });
    }
  }
  for (const target of result.decision?.targets ?? []) {
    if (!target.source.stepId.startsWith('paused/') || target.workload === undefined) continue;
    events.push({ regarding: objectRefOf(target.workload.ref), type: 'Normal', reason: 'Paused', action: 'Hold', note: `${target.name} is paused (chuanliu.io/paused: "true"): left alone at ${target.current}` });
  }
  const overrides = result.operatorOverrides;
  for (const override of overrides?.active ?? []) {
    const workload = workloads.get(override.workload);
    if (workload === undefined) continue;
    const applied = Math.min(override.minReplicas, workload.maxReplicas);
    events.push({ regarding: objectRefOf(workload.ref), type: 'Normal', reason: 'OverrideApplied', action: 'ApplyOverride', note: `operator floor${override.by !== undefined ? ` by ${override.by}` : ''}: at least ${applied} replicas until ${new Date(override.untilMs).toISOString()}` });
  }
  for (const override of overrides?.expired ?? []) {
    const workload = workloads.get(override.workload);
    if (workload === undefined) continue;
    events.push({ regarding: objectRefOf(workload.ref), type: 'Normal', reason: 'OverrideExpired', action: 'ExpireOverride', note: `operator floor of ${override.minReplicas} expired at ${new Date(override.untilMs).toISOString()}; the plan applies again (chuanliu override ${override.workload} --clear removes the annotations)` });
  }
  for (const invalid of overrides?.invalid ?? []) {
    const workload = workloads.get(invalid.workload);
    if (workload !== undefined) events.push({ regarding: objectRefOf(workload.ref), type: 'Warning', reason: 'OverrideInvalid', action: 'IgnoreOverride', note: invalid.message });
  }
  return events;
}

/** Events for the reactive guard's decisions. */
export function guardEvents(decisions: readonly GuardDecision[], inventory: Inventory): ObjectEvent[] {
  const workloads = workloadIndex(inventory);
  const events: ObjectEvent[] = [];
  for (const decision of decisions) {
    const workload = workloads.get(decision.workload);
    if (workload === undefined) continue;
    events.push(decision.kind === 'release'
      ? { regarding: objectRefOf(workload.ref), type: 'Normal', reason: 'GuardReleased', action: 'ReleaseGuard', note: decision.message }
      : { regarding: objectRefOf(workload.ref), type: 'Warning', reason: 'GuardEngaged', action: 'EngageGuard', note: decision.message });
  }
  return events;
}
