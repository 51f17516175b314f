/**
 * The controller's maths, split from its machinery (like the HPA's replica calculator): given the
 * plan, a cluster snapshot and the time, which writes to make now and in which order. Pure: no
 * clock, no I/O; the same input always gives the same decision, so dry-run shows exactly what a
 * real tick would write.
 *
 * Ordering rules (design invariants):
 * - releases first: offline down (and online scale-in) are written before anything acquires;
 * - an acquire that needs the room of a release still draining waits until it has drained (the
 *   snapshot shows the released replicas gone, or the drain time has passed since the release
 *   write); one whose pods fit in the room free now, or an urgent one (a guard floor, a plan step
 *   that waiting would make late), goes at once: acquire-room.ts;
 * - node pools grow first (they take longest) and shrink last (once nothing drains);
 * - level-triggered: targets are absolute levels from the plan (see level-targets.ts), so a tick
 *   repeated or replayed after a crash finds everything at its level and writes nothing more.
 */
import { poolOfPlaceholderTarget, type CapacityPlan } from '../domain/plan.ts';
import type { Inventory, Workload, WorkloadRef } from '../domain/workload.ts';
import type { ClusterSnapshot, ClusterWrite, NodePoolState, WorkloadState, WriteProvenance } from '../ports/cluster.ts';
import type {
  DeferredWrite, OrderedWrite, ResolvedTarget, SkippedTarget, TargetOverride, WriteDecision, WritePhase,
} from './decision.ts';
import { livePods, RoomLedger, urgencyOf, type WorkloadPods } from './acquire-room.ts';
import { aboveLoweredFloors, findDrains, notYetFree, type Drain } from './drains.ts';
import { stateIndex, stateOf } from './snapshot-index.ts';
import { compareText, dueSteps, levelTargets, type LevelTarget } from './level-targets.ts';
import { checkSafety, DEFAULT_SAFETY_POLICY, refKey, type SafetyPolicy } from './safety.ts';

export { DEFAULT_ONLINE_DRAIN_MS, HPA_SCALE_DOWN_STABILIZATION_MS } from './drains.ts';

export interface DecideWritesInput {
  /** The plan to follow; undefined = no plan (targets are the cluster's current values plus overrides). */
  readonly plan: CapacityPlan | undefined;
  readonly snapshot: ClusterSnapshot;
  readonly inventory: Inventory;
  readonly nowMs: number;
  /** Step ids already recorded as applied (from the applied-steps store). */
  readonly appliedStepIds: ReadonlySet<string>;
  /** When each target's latest release was written (from the applied-steps store), epoch ms. */
  readonly releaseStartedAtMs?: ReadonlyMap<string, number>;
  /** Guard floors/caps layered on the plan's levels. */
  readonly overrides?: readonly TargetOverride[];
  /** @defaultValue DEFAULT_SAFETY_POLICY */
  readonly safety?: SafetyPolicy;
  /** Drain time assumed for an online scale-in (online workloads declare none). @defaultValue 30 s */
  readonly onlineDrainMs?: number;
}

export function decideWrites(input: DecideWritesInput): WriteDecision {
  const { plan, snapshot, inventory, nowMs } = input;
  const skipped: SkippedTarget[] = [];
  const warnings: string[] = [];
  const targets = resolveTargets(input, skipped, warnings);
  const newlyDueSteps = plan === undefined ? [] : dueSteps(plan, nowMs).filter((step) => !input.appliedStepIds.has(step.id));
  const refusals = checkSafety({ plan, inventory, snapshot, nowMs, targets, policy: input.safety ?? DEFAULT_SAFETY_POLICY });
  const drains = findDrains(input, targets);

  const planned: Array<Omit<OrderedWrite, 'order'>> = [];
  const waits: DeferredWrite[] = [];
  const blockersOf = blockerLookup(drains);
  const acquires: Array<{ target: ResolvedTarget; entry: Omit<OrderedWrite, 'order'> }> = [];
  for (const target of targets) {
    if (target.target === target.current) {
      skipped.push({ target: target.name, reason: 'already-at-target', message: `${target.name} already at ${target.current}` });
      continue;
    }
    const phase = phaseOf(target);
    const write = writeFor(target, provenanceFor(target, plan, nowMs));
    const entry = { phase, target: target.name, class: target.class, stepId: target.source.stepId, fromReplicas: target.current, toReplicas: target.target, write };
    if (phase === 'acquire') {
      acquires.push({ target, entry });
      continue;
    }
    if (phase === 'pool-shrink') {
      const blockers = blockersOf(target.name);
      if (blockers.names.length > 0) {
        waits.push({ ...entry, ...describeWait(target, blockers) });
        continue;
      }
    }
    planned.push(entry);
  }
  admitAcquires({ acquires, drains, blockersOf, input, planned, waits });
  const refused = refusals.length > 0;
  return {
    nowMs,
    planId: plan?.id,
    writes: refused ? [] : orderWrites(planned, targets),
    waits: refused ? [] : waits,
    skipped,
    refusals,
    warnings,
    targets,
    newlyDueSteps,
    draining: [...drains.keys()].sort(compareText),
    notYetFree: [...notYetFree(drains, inventory), ...aboveLoweredFloors(input, targets, drains)].sort((a, b) => compareText(a.target, b.target)),
  };
}

/**
 * Acquires, most important first (the order they are written in): one whose new pods fit in the
 * room free now goes at once, whatever drains elsewhere; one that needs the room of a drain in
 * flight waits for it, unless it is urgent (acquire-room.ts), in which case it goes at once and the
 * drain is cut short for it, said in its provenance message. A target still draining an earlier
 * release of its own waits for that too (its terminating pods hold the room the new ones need).
 */
function admitAcquires(options: {
  readonly acquires: ReadonlyArray<{ target: ResolvedTarget; entry: Omit<OrderedWrite, 'order'> }>;
  readonly drains: ReadonlyMap<string, Drain>;
  readonly blockersOf: (placement: string | undefined) => Blockers;
  readonly input: DecideWritesInput;
  readonly planned: Array<Omit<OrderedWrite, 'order'>>;
  readonly waits: DeferredWrite[];
}): void {
  const { acquires, drains, blockersOf, input, planned, waits } = options;
  const ledger = roomLedger(input, drains);
  const ordered = [...acquires].sort((a, b) => acquireRank(a.target, b.target));
  for (const { target, entry } of ordered) {
    const blockers = blockersOf(target.nodePool);
    const ownDrain = drains.has(target.name);
    const workload = target.workload as Workload;
    const newPods = Math.max(0, target.target - livePods(target));
    if (blockers.names.length === 0) {
      planned.push(entry);
      continue;
    }
    if (!ownDrain && ledger.admit(workload, newPods)) {
      planned.push({ ...entry, admittedOnFreeRoom: true });
      continue;
    }
    // Its own terminating pods are not a drain to cut short: they go with the grace period either way.
    const urgency = ownDrain ? undefined : urgencyOf(target, blockers.notBeforeMs, input.nowMs);
    if (urgency === undefined) {
      waits.push({ ...entry, ...describeWait(target, blockers) });
      continue;
    }
    const message = `${target.name} ${target.current}→${target.target} does not wait for ${namesOf(blockers.names)} to drain: ${urgency.why}; `
      + 'its pods take the room as the drained pods terminate (drain cut short)';
    const write = { ...entry.write, provenance: { ...entry.write.provenance, message: `${entry.write.provenance.message} [urgent: ${message}]` } } as ClusterWrite;
    planned.push({ ...entry, write, cutShort: { code: urgency.code, drains: blockers.names, message } });
  }
}

/** Online before offline, most important first, then by name: the acquire phase's write order. */
function acquireRank(a: ResolvedTarget, b: ResolvedTarget): number {
  const byClass = (a.class === 'online' ? 0 : 1) - (b.class === 'online' ? 0 : 1);
  if (byClass !== 0) return byClass;
  const byPriority = (b.workload?.priority ?? 0) - (a.workload?.priority ?? 0);
  return byPriority !== 0 ? byPriority : compareText(a.name, b.name);
}

/** The room every managed workload's existing pods hold, from the snapshot before this tick's writes. */
function roomLedger(input: DecideWritesInput, drains: ReadonlyMap<string, Drain>): RoomLedger {
  const entries: WorkloadPods[] = [];
  for (const workload of [...input.inventory.online, ...input.inventory.offline]) {
    const state = stateOf(input.snapshot, workload);
    if (state === undefined) continue;
    entries.push({
      workload,
      livePods: livePods(state),
      ...(state.terminatingReplicas !== undefined ? { terminatingPods: state.terminatingReplicas } : {}),
      // A release written in this tick still shows its pods live in the snapshot taken before it.
      drainCountUnknown: drains.get(workload.name)?.releasedThisTick === false && state.terminatingReplicas === undefined,
    });
  }
  return new RoomLedger(input.snapshot.nodePools, entries);
}

interface Blockers {
  /** Sorted names of the drains a placement waits for (shared between waits: never mutate). */
  readonly names: readonly string[];
  readonly notBeforeMs?: number;
}

/**
 * Drains that block an acquire on a placement (a pool name, or undefined = any pool), computed once
 * per distinct placement: with thousands of acquires and releases in one tick, filtering all
 * drains for every acquire would be quadratic.
 */
function blockerLookup(drains: ReadonlyMap<string, Drain>): (placement: string | undefined) => Blockers {
  const sorted = [...drains.values()].sort((a, b) => compareText(a.name, b.name));
  const cache = new Map<string | undefined, Blockers>();
  return (placement) => {
    let blockers = cache.get(placement);
    if (blockers === undefined) {
      const matching = sorted.filter((drain) => poolsOverlap(drain.nodePool, placement));
      const known = matching.every((drain) => drain.untilMs !== undefined);
      const notBeforeMs = known && matching.length > 0
        ? matching.reduce((latest, drain) => Math.max(latest, drain.untilMs as number), -Infinity)
        : undefined;
      blockers = { names: matching.map((drain) => drain.name), ...(notBeforeMs !== undefined ? { notBeforeMs } : {}) };
      cache.set(placement, blockers);
    }
    return blockers;
  };
}

/** Names shown in a wait message before the rest is counted ("… and 4,998 more"). */
const NAMES_IN_MESSAGE = 5;

function describeWait(target: ResolvedTarget, blockers: Blockers): Pick<DeferredWrite, 'blockedBy' | 'notBeforeMs' | 'message'> {
  const { names, notBeforeMs } = blockers;
  const until = notBeforeMs !== undefined
    ? `until ${new Date(notBeforeMs).toISOString()}`
    : 'until the snapshot shows their released replicas gone';
  const shown = namesOf(names);
  return {
    blockedBy: names,
    ...(notBeforeMs !== undefined ? { notBeforeMs } : {}),
    message: `${target.name} ${target.current}→${target.target} waits for ${shown} to drain (${until})`,
  };
}

function namesOf(names: readonly string[]): string {
  return names.length <= NAMES_IN_MESSAGE
    ? names.join(', ')
    : `${names.slice(0, NAMES_IN_MESSAGE).join(', ')} and ${names.length - NAMES_IN_MESSAGE} more`;
}

/** Two placements compete for capacity unless both are pinned to different pools. */
function poolsOverlap(a: string | undefined, b: string | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

function phaseOf(target: ResolvedTarget): WritePhase {
  // More placeholders ask the node autoscaler for nodes (they take longest); fewer make room for
  // the online pods arriving in the same tick, so they go with the releases.
  if (target.class === 'placeholder') return target.target > target.current ? 'pool-grow' : 'release';
  if (target.class === 'pool') return target.target > target.current ? 'pool-grow' : 'pool-shrink';
  return target.target < target.current ? 'release' : 'acquire';
}

const PHASE_RANK: Record<WritePhase, number> = { 'pool-grow': 0, release: 1, acquire: 2, 'pool-shrink': 3 };

/**
 * Releases: offline before online, least important first. Acquires: online before offline, most
 * important first (it gets the capacity first when the phase runs with bounded concurrency).
 */
function orderWrites(planned: ReadonlyArray<Omit<OrderedWrite, 'order'>>, targets: readonly ResolvedTarget[]): OrderedWrite[] {
  const priorityOf = new Map(targets.map((target) => [target.name, target.workload?.priority ?? 0] as const));
  const classRank = (phase: WritePhase, targetClass: string): number => {
    if (phase === 'release') return targetClass === 'placeholder' || targetClass === 'offline' ? 0 : 1;
    if (phase === 'acquire') return targetClass === 'online' ? 0 : 1;
    return 0;
  };
  const sorted = [...planned].sort((a, b) => {
    const byPhase = PHASE_RANK[a.phase] - PHASE_RANK[b.phase];
    if (byPhase !== 0) return byPhase;
    const byClass = classRank(a.phase, a.class) - classRank(b.phase, b.class);
    if (byClass !== 0) return byClass;
    const priorityA = priorityOf.get(a.target) ?? 0;
    const priorityB = priorityOf.get(b.target) ?? 0;
    const byPriority = a.phase === 'acquire' ? priorityB - priorityA : priorityA - priorityB;
    return byPriority !== 0 ? byPriority : compareText(a.target, b.target);
  });
  return sorted.map((entry, order) => ({ ...entry, order }));
}

function provenanceFor(target: ResolvedTarget, plan: CapacityPlan | undefined, nowMs: number): WriteProvenance {
  return {
    planId: plan?.id ?? 'none',
    stepId: target.source.stepId,
    reason: target.source.reason,
    message: target.source.message,
    atMs: nowMs,
  };
}

function writeFor(target: ResolvedTarget, provenance: WriteProvenance): ClusterWrite {
  if (target.class === 'pool') return { kind: 'pool-nodes', pool: target.name, nodes: target.target, provenance };
  if (target.class === 'placeholder') return { kind: 'replicas', ref: target.placeholderRef as WorkloadRef, replicas: target.target, provenance };
  const ref = (target.workload as Workload).ref;
  if (target.hpaName !== undefined) return { kind: 'hpa-min', ref, hpaName: target.hpaName, minReplicas: target.target, provenance };
  switch (ref.apiKind) {
    case 'Job': return { kind: 'job-parallelism', ref, parallelism: target.target, provenance };
    case 'CronJob': return { kind: 'cronjob-suspend', ref, suspend: target.target === 0, provenance };
    default: return { kind: 'replicas', ref, replicas: target.target, provenance };
  }
}

/** Plan levels + overrides → one normalised target per managed object present in the snapshot. */
/** On a workload: chuanliu leaves it alone (`kubectl annotate deploy x chuanliu.io/paused=true`). */
export const PAUSED_ANNOTATION = 'chuanliu.io/paused';

function resolveTargets(input: DecideWritesInput, skipped: SkippedTarget[], warnings: string[]): ResolvedTarget[] {
  const { plan, snapshot, inventory, nowMs } = input;
  const workloads = new Map<string, Workload>([...inventory.online, ...inventory.offline].map((workload) => [workload.name, workload] as const));
  const pools = new Map<string, NodePoolState>(snapshot.nodePools.map((pool) => [pool.pool, pool] as const));
  const levels = plan === undefined ? new Map<string, LevelTarget>() : levelTargets(plan, nowMs);
  const overridesByName = new Map<string, TargetOverride[]>();
  for (const override of input.overrides ?? []) {
    overridesByName.set(override.workload, [...(overridesByName.get(override.workload) ?? []), override]);
  }
  const names = new Set([...levels.keys(), ...overridesByName.keys()]);
  const resolved: ResolvedTarget[] = [];
  for (const name of [...names].sort(compareText)) {
    const level = levels.get(name);
    const workload = workloads.get(name);
    const placeholderPool = poolOfPlaceholderTarget(name);
    if (placeholderPool !== undefined && level !== undefined) {
      const settings = inventory.nodePools.find((pool) => pool.name === placeholderPool)?.elastic?.placeholders;
      if (settings === undefined) {
        skipped.push({ target: name, reason: 'not-in-inventory', message: `pool ${placeholderPool} has no placeholders configured; ${name} left alone` });
        continue;
      }
      const ref: WorkloadRef = { apiKind: 'Deployment', namespace: settings.namespace, name: settings.deploymentName };
      const state = stateIndex(snapshot).get(refKey(ref));
      if (state === undefined) {
        skipped.push({ target: name, reason: 'missing-from-snapshot', message: `placeholder Deployment ${settings.namespace}/${settings.deploymentName} of pool ${placeholderPool} is not in the cluster; apply its manifest (chuanliu placeholders) — left alone` });
        continue;
      }
      resolved.push({
        name, class: 'placeholder', placeholderRef: ref, current: state.desiredReplicas, requested: level.replicas, target: level.replicas,
        desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas, nodePool: placeholderPool, source: sourceOf(level, plan as CapacityPlan, name),
      });
      continue;
    }
    if (workload === undefined) {
      const isPool = plan !== undefined && (plan.nodes[name] !== undefined || pools.has(name) || inventory.nodePools.some((pool) => pool.name === name));
      if (!isPool || level === undefined) {
        skipped.push({ target: name, reason: 'not-in-inventory', message: `${name} is in the plan but not in the inventory; left alone` });
        continue;
      }
      if (inventory.nodePools.find((pool) => pool.name === name)?.elastic?.placeholders !== undefined) {
        skipped.push({ target: name, reason: 'pre-provisioned', message: `pool ${name}: nodes come from the node autoscaler, asked for by ${name}/placeholders` });
        continue;
      }
      const poolState = pools.get(name);
      if (poolState === undefined) {
        skipped.push({ target: name, reason: 'missing-from-snapshot', message: `node pool ${name} is not in the cluster snapshot; left alone` });
        continue;
      }
      resolved.push({
        name, class: 'pool', current: poolState.readyNodes + poolState.provisioningNodes, requested: level.replicas, target: level.replicas,
        desiredReplicas: poolState.readyNodes + poolState.provisioningNodes, readyReplicas: poolState.readyNodes, source: sourceOf(level, plan as CapacityPlan, name),
      });
      continue;
    }
    const state = stateOf(snapshot, workload);
    if (state === undefined) {
      // Missing data never scales anything, least of all down.
      skipped.push({ target: name, reason: 'missing-from-snapshot', message: `${name} (${refKey(workload.ref)}) is not in the cluster snapshot; left alone` });
      continue;
    }
    const hpaName = workload.class === 'online' ? (workload.hpaName ?? state.hpa?.name) : undefined;
    if (hpaName !== undefined && state.hpa === undefined) {
      // Writing replicas would fight an HPA we cannot see; wait until the snapshot shows it.
      skipped.push({ target: name, reason: 'hpa-missing', message: `${name} is managed by HPA ${hpaName}, which is not in the cluster snapshot; left alone` });
      continue;
    }
    const current = controlledQuantity(workload, state, hpaName !== undefined);
    if (state.annotations[PAUSED_ANNOTATION] === 'true') {
      // An operator paused it: held where it is (its replicas still count against the cluster's
      // room), no plan step and no guard floor written, and said on every tick.
      warnings.push(`${name} is paused (${PAUSED_ANNOTATION}: "true"): left alone at ${current}`);
      resolved.push({
        name, class: workload.class, workload, current, requested: current, target: current,
        desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas,
        ...(state.terminatingReplicas !== undefined ? { terminatingReplicas: state.terminatingReplicas } : {}),
        source: { stepId: `paused/${name}`, reason: 'hold', message: `${name} paused by an operator; left at ${current}` },
      });
      continue;
    }
    let requested = level?.replicas ?? current;
    let source = level !== undefined ? sourceOf(level, plan as CapacityPlan, name) : { stepId: `hold/${name}`, reason: 'hold', message: `${name} held at ${current}` };
    for (const override of overridesByName.get(name) ?? []) {
      const bounded = override.kind === 'floor' ? Math.max(requested, override.replicas) : Math.min(requested, override.replicas);
      if (bounded !== requested) {
        requested = bounded;
        source = { stepId: override.stepId, reason: override.reason, message: override.message };
      }
    }
    let target = workload.ref.apiKind === 'CronJob' ? (requested > 0 ? 1 : 0) : requested;
    if (hpaName !== undefined && state.hpa !== undefined && target > state.hpa.maxReplicas) {
      // The API server rejects an HPA whose minReplicas exceeds its maxReplicas.
      warnings.push(`${name}: floor ${target} clamped to HPA ${hpaName} maxReplicas ${state.hpa.maxReplicas}`);
      target = state.hpa.maxReplicas;
    }
    resolved.push({
      name, class: workload.class, workload, current, requested, target,
      desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas,
      ...(state.terminatingReplicas !== undefined ? { terminatingReplicas: state.terminatingReplicas } : {}),
      ...(workload.nodePool !== undefined ? { nodePool: workload.nodePool } : {}),
      source,
      ...(hpaName !== undefined ? { hpaName } : {}),
    });
  }
  return resolved;
}

function sourceOf(level: LevelTarget, plan: CapacityPlan, name: string): ResolvedTarget['source'] {
  if (level.step !== undefined) {
    return { stepId: level.step.id, reason: level.step.reason, message: level.step.message, step: level.step };
  }
  return { stepId: `level/${name}/${level.slotIndex}`, reason: 'plan-level', message: `${name} at plan ${plan.id} slot ${level.slotIndex}: ${level.replicas}` };
}

/** What the controller changes on the object: HPA floor, replicas, parallelism or CronJob active (0/1). */
function controlledQuantity(workload: Workload, state: WorkloadState, viaHpa: boolean): number {
  if (viaHpa && state.hpa !== undefined) return state.hpa.minReplicas;
  if (workload.ref.apiKind === 'CronJob') return state.desiredReplicas > 0 ? 1 : 0;
  return state.desiredReplicas;
}
