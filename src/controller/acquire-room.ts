/**
 * Which acquires must wait for a drain, and which need not (issue 14 item 7: urgent capacity never
 * waits behind drains). Pure: reads the snapshot the tick was decided on.
 *
 * - Room: what the node pools can hold now, minus what the pods that still exist hold (Ready,
 *   starting and terminating pods of every managed workload, from the snapshot taken before this
 *   tick's writes). An acquire whose new pods fit in that room is written at once: the drains in
 *   flight free room it does not need, so waiting for them only makes it late.
 * - Urgency: an acquire that does need the draining room still goes at once when it is urgent
 *   (a guard floor, or a plan step that is already late or that waiting for the drain would make
 *   late). Its pods are created now and the scheduler places them as the offline pods terminate
 *   (higher priority Pending pods preempt offline ones), instead of the controller's next tick after
 *   the drain time: the drain is cut short for it. Every other acquire that needs the room waits.
 *
 * Room is counted conservatively: pods of workloads without a pool are taken to be on every pool,
 * and a placement where a release drains with an unknown pod count (no terminating count, only a
 * drain clock) has no known room, so nothing there is admitted early on room alone. Pods chuanliu
 * does not manage are not in the snapshot; when they take room, an early acquire's pods wait Pending
 * for the drain, which is what the wait would have done anyway.
 */
import type { ReasonCode } from '../domain/plan.ts';
import type { Workload } from '../domain/workload.ts';
import type { NodePoolState } from '../ports/cluster.ts';
import type { ResolvedTarget, UrgencyCode } from './decision.ts';

/** The reason guard floors carry (guard-loop.ts GUARD_REASON). */
const GUARD_REASON: ReasonCode = 'guard-emergency';

interface Resources {
  cpuMillicores: number;
  memoryBytes: number;
}

/** Pods that exist and are not terminating: spec'd ones (some maybe still starting) or more Ready ones. */
export function livePods(state: { readonly desiredReplicas: number; readonly readyReplicas: number }): number {
  return Math.max(state.desiredReplicas, state.readyReplicas);
}

export interface WorkloadPods {
  readonly workload: Workload;
  /** Pods that exist and are not terminating (livePods). */
  readonly livePods: number;
  /** Terminating pods; undefined = the snapshot cannot tell. */
  readonly terminatingPods?: number;
  /** True when a release drains with no count of its terminating pods (only its drain clock). */
  readonly drainCountUnknown: boolean;
}

/**
 * Free room per placement, consumed as acquires are admitted (in execution order: the most
 * important acquire gets the room first).
 */
export class RoomLedger {
  private total: Resources;
  private readonly byPool = new Map<string, Resources>();
  /** Pools (undefined key = all) where a drain's pod count is unknown: room there is not known. */
  private readonly unknownPools = new Set<string | undefined>();

  constructor(pools: readonly NodePoolState[], workloads: readonly WorkloadPods[]) {
    this.total = { cpuMillicores: 0, memoryBytes: 0 };
    for (const pool of pools) {
      this.byPool.set(pool.pool, { cpuMillicores: pool.allocatableCpuMillicores, memoryBytes: pool.allocatableMemoryBytes });
      this.total.cpuMillicores += pool.allocatableCpuMillicores;
      this.total.memoryBytes += pool.allocatableMemoryBytes;
    }
    for (const entry of workloads) {
      const pods = entry.livePods + (entry.terminatingPods ?? 0);
      this.take(entry.workload.nodePool, {
        cpuMillicores: pods * entry.workload.perReplica.cpuMillicores,
        memoryBytes: pods * entry.workload.perReplica.memoryBytes,
      });
      if (entry.drainCountUnknown) this.unknownPools.add(entry.workload.nodePool);
    }
  }

  /** Admits `pods` new pods of `workload` when they fit in the known free room (and takes it). */
  admit(workload: Workload, pods: number): boolean {
    if (pods <= 0) return true;
    const placement = workload.nodePool;
    if (this.unknownPools.has(undefined) || (placement === undefined ? this.unknownPools.size > 0 : this.unknownPools.has(placement))) return false;
    const need = { cpuMillicores: pods * workload.perReplica.cpuMillicores, memoryBytes: pods * workload.perReplica.memoryBytes };
    const rooms = placement === undefined ? [this.total] : [this.total, this.byPool.get(placement)];
    for (const room of rooms) {
      if (room === undefined || room.cpuMillicores < need.cpuMillicores || room.memoryBytes < need.memoryBytes) return false;
    }
    this.take(placement, need);
    return true;
  }

  private take(placement: string | undefined, resources: Resources): void {
    this.total = {
      cpuMillicores: this.total.cpuMillicores - resources.cpuMillicores,
      memoryBytes: this.total.memoryBytes - resources.memoryBytes,
    };
    // Unpinned pods may sit on any pool: they take the room of every pool (conservative).
    for (const [pool, room] of this.byPool) {
      if (placement !== undefined && pool !== placement) continue;
      this.byPool.set(pool, { cpuMillicores: room.cpuMillicores - resources.cpuMillicores, memoryBytes: room.memoryBytes - resources.memoryBytes });
    }
  }
}

export interface Urgency {
  readonly code: UrgencyCode;
  /** Why it cannot wait, for the log, the write's provenance and a Kubernetes Event. */
  readonly why: string;
}

/**
 * Whether an online acquire may not wait for a drain: a guard floor always; a plan step when the planner
 * already found it late (short notice), or when waiting until the drain is over (`drainOverMs`,
 * undefined = unknown, taken as now) plus the workload's startup p95 would miss its ready-by time.
 */
export function urgencyOf(target: ResolvedTarget, drainOverMs: number | undefined, nowMs: number): Urgency | undefined {
  // Offline work taking room back is never urgent: it waits for every drain it needs.
  if (target.class !== 'online') return undefined;
  if (target.source.reason === GUARD_REASON) return { code: 'guard-emergency', why: 'guard emergency floor (demand left the forecast band)' };
  const step = target.source.step;
  if (step === undefined || step.direction !== 'acquire') return undefined;
  if ((step.lateByMs ?? 0) > 0) {
    return { code: 'short-notice', why: `step ${step.id} is already ${Math.round((step.lateByMs ?? 0) / 1000)} s late (short notice)` };
  }
  const startupMs = target.workload?.class === 'online' ? target.workload.startup.p95Ms : 0;
  const readyIfWaitingMs = Math.max(nowMs, drainOverMs ?? nowMs) + startupMs;
  if (readyIfWaitingMs > step.readyByMs) {
    return {
      code: 'short-notice',
      why: `waiting for the drain would make it Ready ${Math.round((readyIfWaitingMs - step.readyByMs) / 1000)} s after ${new Date(step.readyByMs).toISOString()}`,
    };
  }
  return undefined;
}
