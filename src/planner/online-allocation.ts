/**
 * Online allocation across node pools, slot by slot, highest priority first, in three passes:
 *
 * 0. every workload's minReplicas, in priority order (a minimum that no pool can hold any more is
 *    cut: that workload is below its minimum, reported as a shortfall with the brownout order);
 * 1. what each workload must hold: its ready target with lead time (need, scale-in stabilization
 *    and event holds) — and inside an event window also its coalesced level, since a level reached
 *    there is never given back;
 * 2. coalescing extras, only inside the nodes pass 1 already needs (they never grow a pool).
 *
 * A workload may use several pools (see pool-eligibility.ts); each pass fills them in its fill
 * order, so online demand spills to an elastic pool only when the fixed pools are full at their
 * size. Room is counted at each pool's largest size; nodes per pool are then the CPU and memory the
 * placed replicas take, rounded up to whole nodes (a fluid count: pods whose size does not divide
 * the node leave fragments the count does not see). When every pool a workload may use is full, the
 * workloads processed last — the lowest priority — get what is left: that is the brownout order.
 */
import type { OnlineWorkload } from '../domain/workload.ts';
import type { PlanningModel, PoolModel } from './planning-model.ts';

export interface OnlineBuffers {
  /** All online workloads' arrays, workload-major: index = workload × slots + slot. */
  readonly hold: Int32Array;
  readonly level: Int32Array;
  /** 1 where the slot is inside an event window: coalesced levels there count as holds (pass 1). */
  readonly eventMask: Uint8Array;
  /** Out: allocated replicas (all pools together). */
  readonly allocated: Int32Array;
}

export interface PoolOnlineUsage {
  readonly cpuMillicores: Float64Array;
  readonly memoryBytes: Float64Array;
  /** Nodes pass 1 needs per slot (at least the pool's minimum). */
  readonly nodesNeeded: Int32Array;
}

export function newPoolUsage(slots: number): PoolOnlineUsage {
  return { cpuMillicores: new Float64Array(slots), memoryBytes: new Float64Array(slots), nodesNeeded: new Int32Array(slots) };
}

/**
 * Allocates every online workload over its pools. `usages[p]` receives pool p's online usage;
 * `placements`, when given, receives per workload that may use more than one pool its replicas per
 * pool (index = position in `model.onlineEligible[workload]`).
 */
export function allocateOnline(
  model: Pick<PlanningModel, 'online' | 'pools' | 'onlineOrder' | 'onlineEligible'>,
  slots: number,
  buffers: OnlineBuffers,
  usages: readonly PoolOnlineUsage[],
  placements?: Map<number, Int32Array[]>,
): void {
  const { pools, online, onlineOrder: order, onlineEligible } = model;
  const count = order.length;
  const poolCount = pools.length;
  const cpu = new Float64Array(count);
  const memory = new Float64Array(count);
  const minimum = new Int32Array(count);
  const offset = new Int32Array(count);
  const eligible: (readonly number[])[] = new Array<readonly number[]>(count);
  for (let k = 0; k < count; k++) {
    const index = order[k] as number;
    const workload = online[index] as OnlineWorkload;
    cpu[k] = workload.perReplica.cpuMillicores;
    memory[k] = workload.perReplica.memoryBytes;
    minimum[k] = workload.minReplicas;
    offset[k] = index * slots;
    eligible[k] = onlineEligible[index] as readonly number[];
  }
  const nodeCpu = new Float64Array(poolCount);
  const nodeMemory = new Float64Array(poolCount);
  const capCpu = new Float64Array(poolCount);
  const capMemory = new Float64Array(poolCount);
  pools.forEach((pool: PoolModel, p) => {
    nodeCpu[p] = pool.pool.perNode.cpuMillicores;
    nodeMemory[p] = pool.pool.perNode.memoryBytes;
    capCpu[p] = pool.maxNodes * (nodeCpu[p] as number);
    capMemory[p] = pool.maxNodes * (nodeMemory[p] as number);
  });
  const freeCpu = new Float64Array(poolCount);
  const freeMemory = new Float64Array(poolCount);
  const nodes = new Int32Array(poolCount);
  // Replicas of workload k on its j-th pool in the current slot (only multi-pool workloads need it).
  const multi = new Int32Array(count).fill(-1);
  let multiCount = 0;
  for (let k = 0; k < count; k++) if ((eligible[k] as readonly number[]).length > 1) multi[k] = multiCount++;
  const widest = eligible.reduce((max, list) => Math.max(max, list.length), 1);
  const share = new Int32Array(Math.max(1, multiCount * widest));
  const placed = placements !== undefined ? placementArrays(order, eligible, multi, slots, placements) : undefined;

  // Places up to `wanted` replicas of workload k over its pools in fill order, from `roomCpu` /
  // `roomMemory`; returns how many found room.
  const place = (k: number, wanted: number, roomCpu: Float64Array, roomMemory: Float64Array): number => {
    const pools = eligible[k] as readonly number[];
    const c = cpu[k] as number;
    const m = memory[k] as number;
    let left = wanted;
    for (let j = 0; j < pools.length && left > 0; j++) {
      const p = pools[j] as number;
      const give = fitting(left, roomCpu[p] as number, roomMemory[p] as number, c, m);
      if (give === 0) continue;
      roomCpu[p] = (roomCpu[p] as number) - give * c;
      roomMemory[p] = (roomMemory[p] as number) - give * m;
      left -= give;
      const slot = multi[k] as number;
      if (slot >= 0) share[slot * widest + j] = (share[slot * widest + j] as number) + give;
    }
    return wanted - left;
  };

  const { hold, level, allocated, eventMask } = buffers;
  for (let t = 0; t < slots; t++) {
    freeCpu.set(capCpu);
    freeMemory.set(capMemory);
    share.fill(0);
    // Pass 0: minimums, by priority.
    for (let k = 0; k < count; k++) {
      const floor = minimum[k] as number;
      allocated[(offset[k] as number) + t] = floor > 0 ? place(k, floor, freeCpu, freeMemory) : 0;
    }
    // Pass 1: what must be held.
    for (let k = 0; k < count; k++) {
      const cell = (offset[k] as number) + t;
      const target = eventMask[cell] === 1 && (level[cell] as number) > (hold[cell] as number) ? (level[cell] as number) : (hold[cell] as number);
      const want = target - (allocated[cell] as number);
      // Only a workload that got its whole minimum competes for more: a cut minimum means its pools are full.
      if (want > 0 && (allocated[cell] as number) >= (minimum[k] as number)) allocated[cell] = (allocated[cell] as number) + place(k, want, freeCpu, freeMemory);
    }
    for (let p = 0; p < poolCount; p++) {
      const pool = pools[p] as PoolModel;
      const usedCpu = (capCpu[p] as number) - (freeCpu[p] as number);
      const usedMemory = (capMemory[p] as number) - (freeMemory[p] as number);
      let count = Math.max(pool.minNodes, Math.ceil(usedCpu / (nodeCpu[p] as number) - 1e-9), Math.ceil(usedMemory / (nodeMemory[p] as number) - 1e-9));
      if (count > pool.maxNodes) count = pool.maxNodes;
      nodes[p] = count;
      (usages[p] as PoolOnlineUsage).nodesNeeded[t] = count;
      // From here on, free room = room inside the nodes pass 1 needs.
      freeCpu[p] = count * (nodeCpu[p] as number) - usedCpu;
      freeMemory[p] = count * (nodeMemory[p] as number) - usedMemory;
    }
    // Pass 2: coalescing extras inside the nodes already needed.
    for (let k = 0; k < count; k++) {
      const cell = (offset[k] as number) + t;
      const give = (level[cell] as number) - (allocated[cell] as number);
      if (give > 0) allocated[cell] = (allocated[cell] as number) + place(k, give, freeCpu, freeMemory);
    }
    for (let p = 0; p < poolCount; p++) {
      const usage = usages[p] as PoolOnlineUsage;
      usage.cpuMillicores[t] = (nodes[p] as number) * (nodeCpu[p] as number) - (freeCpu[p] as number);
      usage.memoryBytes[t] = (nodes[p] as number) * (nodeMemory[p] as number) - (freeMemory[p] as number);
    }
    if (placed !== undefined) {
      for (let k = 0; k < count; k++) {
        const slot = multi[k] as number;
        if (slot < 0) continue;
        const arrays = placed[slot] as Int32Array[];
        for (let j = 0; j < arrays.length; j++) (arrays[j] as Int32Array)[t] = share[slot * widest + j] as number;
      }
    }
  }
}

function placementArrays(
  order: readonly number[], eligible: readonly (readonly number[])[], multi: Int32Array, slots: number, out: Map<number, Int32Array[]>,
): Int32Array[][] {
  const byMulti: Int32Array[][] = [];
  for (let k = 0; k < order.length; k++) {
    if ((multi[k] as number) < 0) continue;
    const arrays = (eligible[k] as readonly number[]).map(() => new Int32Array(slots));
    byMulti[multi[k] as number] = arrays;
    out.set(order[k] as number, arrays);
  }
  return byMulti;
}

/** Replicas (≤ wanted) of one size that fit in the free CPU and memory. */
export function fitting(wanted: number, freeCpu: number, freeMemory: number, cpu: number, memory: number): number {
  let give = wanted;
  if (cpu > 0) {
    const byCpu = Math.floor(freeCpu / cpu);
    if (byCpu < give) give = byCpu;
  }
  if (memory > 0) {
    const byMemory = Math.floor(freeMemory / memory);
    if (byMemory < give) give = byMemory;
  }
  return give > 0 ? give : 0;
}
