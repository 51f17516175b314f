/**
 * Released capacity that is not free yet: which releases still drain (their pods run above the new
 * level or terminate), until when, and what dry-run reports as not yet free. Pure; part of
 * decideWrites (decide-writes.ts), which decides which acquires wait for these drains.
 */
import type { Inventory, Workload } from '../domain/workload.ts';
import type { DecideWritesInput } from './decide-writes.ts';
import type { HeldRelease, ResolvedTarget } from './decision.ts';
import { livePods } from './acquire-room.ts';
import { compareText } from './level-targets.ts';
import { stateOf } from './snapshot-index.ts';

/** Kubernetes' default termination grace period: what an online scale-in is assumed to take. */
export const DEFAULT_ONLINE_DRAIN_MS = 30_000;

/**
 * Kubernetes' default HPA scale-down stabilization window (behavior.scaleDown.stabilizationWindowSeconds
 * = 300): the HPA keeps pods above a lowered floor at least this long.
 */
export const HPA_SCALE_DOWN_STABILIZATION_MS = 300_000;
/*
 * Measured (simulator, sim/double11.yaml): holding every acquire behind a lowered HPA floor for the
 * whole window left 477k requests unserved instead of 1.9k, since pods the HPA keeps for load are
 * never "released". So the window only decides what dry-run reports as not yet free; acquires
 * wait at most the online drain time, and the room ledger still counts the HPA's pods as held.
 */

export interface Drain {
  readonly name: string;
  readonly nodePool?: string;
  /** When the drain time is over; undefined when the release time is unknown (only the snapshot can tell). */
  readonly untilMs?: number;
  /** Released by a write of this tick (its pods are still live in the snapshot), not earlier. */
  readonly releasedThisTick: boolean;
  /** Pods of the release that still exist (Running above the new level, or terminating); undefined = unknown. */
  readonly heldPods?: number;
}

/**
 * Everything still draining a release, i.e. capacity that is released but not yet free:
 * - a release written in this tick whose removed replicas include running ones (the snapshot was
 *   taken before the write), until its drain time is over;
 * - a release written earlier, until the snapshot shows its terminating replicas gone or its
 *   drain time has passed since the write, whichever comes first.
 */
export function findDrains(input: DecideWritesInput, targets: readonly ResolvedTarget[]): Map<string, Drain> {
  const { nowMs, snapshot, inventory } = input;
  const onlineDrainMs = input.onlineDrainMs ?? DEFAULT_ONLINE_DRAIN_MS;
  const drainMsOf = (workload: Workload): number => (workload.class === 'offline' ? workload.drainMs : onlineDrainMs);
  const drains = new Map<string, Drain>();
  const add = (workload: Workload, untilMs: number | undefined, heldPods: number | undefined, releasedThisTick = false): void => {
    drains.set(workload.name, {
      name: workload.name,
      releasedThisTick,
      ...(heldPods !== undefined ? { heldPods } : {}),
      ...(workload.nodePool !== undefined ? { nodePool: workload.nodePool } : {}),
      ...(untilMs !== undefined ? { untilMs } : {}),
    });
  };
  const earlierRelease = (
    workload: Workload,
    pods: Pick<ResolvedTarget, 'readyReplicas' | 'desiredReplicas' | 'terminatingReplicas'>,
    hpaFloor: number | undefined,
  ): void => {
    const startedAtMs = input.releaseStartedAtMs?.get(workload.name);
    const untilMs = startedAtMs === undefined ? undefined : startedAtMs + drainMsOf(workload);
    if (untilMs !== undefined && untilMs <= nowMs) return;
    // Pods above a floor lowered inside the drain time still run: not freed yet.
    if (hpaFloor !== undefined && startedAtMs !== undefined && livePods(pods) > hpaFloor) {
      add(workload, untilMs, livePods(pods) - hpaFloor + (pods.terminatingReplicas ?? 0));
      return;
    }
    if (pods.terminatingReplicas !== undefined) {
      if (pods.terminatingReplicas > 0) add(workload, untilMs, pods.terminatingReplicas);
      return;
    }
    // Ready drops the moment a pod starts terminating, so without a terminating count only the
    // drain time can tell; "Ready above desired" is the last resort when the write time is unknown.
    if (pods.readyReplicas > pods.desiredReplicas) add(workload, untilMs, pods.readyReplicas - pods.desiredReplicas);
    else if (untilMs !== undefined) add(workload, untilMs, undefined);
  };
  const resolvedNames = new Set(targets.map((target) => target.name));
  for (const target of targets) {
    const workload = target.workload;
    if (workload === undefined) continue;
    const viaHpa = target.hpaName !== undefined;
    if (target.target < target.current) {
      const drainMs = drainMsOf(workload);
      // Pods above the new level still run (for an HPA floor: the HPA's replicas above it).
      if (livePods(target) > target.target && drainMs > 0) {
        add(workload, nowMs + drainMs, livePods(target) - target.target + (target.terminatingReplicas ?? 0), true);
        continue;
      }
    }
    earlierRelease(workload, target, viaHpa ? target.current : undefined);
  }
  for (const workload of [...inventory.online, ...inventory.offline]) {
    if (resolvedNames.has(workload.name)) continue;
    const state = stateOf(snapshot, workload);
    if (state !== undefined) earlierRelease(workload, state, workload.class === 'online' ? state.hpa?.minReplicas : undefined);
  }
  return drains;
}

/** Released capacity whose pods still exist: not free (dry-run says so instead of counting it freed). */
export function notYetFree(drains: ReadonlyMap<string, Drain>, inventory: Inventory): HeldRelease[] {
  const byName = new Map([...inventory.online, ...inventory.offline].map((workload) => [workload.name, workload] as const));
  return [...drains.values()].sort((a, b) => compareText(a.name, b.name)).map((drain) => {
    const workload = byName.get(drain.name) as Workload;
    const pods = drain.heldPods;
    const what = pods === undefined ? 'an unknown number of pods' : `${pods} pod${pods === 1 ? '' : 's'}`;
    const until = drain.untilMs === undefined ? 'until the snapshot shows them gone' : `at most until ${new Date(drain.untilMs).toISOString()}, earlier when the snapshot shows them gone`;
    return {
      target: drain.name,
      ...(pods !== undefined ? { pods, cpuMillicores: pods * workload.perReplica.cpuMillicores, memoryBytes: pods * workload.perReplica.memoryBytes } : {}),
      message: `${drain.name}: released, ${what} still running or terminating ${pods === 1 ? 'holds' : 'hold'} its room; counted free only once they are gone (${until})`,
    };
  });
}

/**
 * HPA floors lowered within the HPA's scale-down window whose pods above the floor still run (past
 * the drain time, so not in `drains`): the room is not free until the HPA removes them.
 */
export function aboveLoweredFloors(input: DecideWritesInput, targets: readonly ResolvedTarget[], drains: ReadonlyMap<string, Drain>): HeldRelease[] {
  const held: HeldRelease[] = [];
  for (const target of targets) {
    if (target.hpaName === undefined || target.workload === undefined || drains.has(target.name)) continue;
    const startedAtMs = input.releaseStartedAtMs?.get(target.name);
    if (startedAtMs === undefined || input.nowMs - startedAtMs >= HPA_SCALE_DOWN_STABILIZATION_MS + (input.onlineDrainMs ?? DEFAULT_ONLINE_DRAIN_MS)) continue;
    const pods = livePods(target) - target.target;
    if (pods <= 0) continue;
    held.push({
      target: target.name, pods, cpuMillicores: pods * target.workload.perReplica.cpuMillicores, memoryBytes: pods * target.workload.perReplica.memoryBytes,
      message: `${target.name}: HPA floor lowered to ${target.target} at ${new Date(startedAtMs).toISOString()}, ${pods} pod${pods === 1 ? '' : 's'} above it still run; counted free only once the HPA removes them`,
    });
  }
  return held;
}

