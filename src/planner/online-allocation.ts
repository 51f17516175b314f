/**
 * Online allocation of one pool, slot by slot, highest priority first, in two passes:
 *
 * 1. what each workload must hold: its ready target with lead time (need, scale-in stabilization
 *    and event holds) — and inside an event window also its coalesced level, since a level reached
 *    there is never given back;
 * 2. coalescing extras, only inside the nodes pass 1 already needs (they never grow the pool).
 *
 * Every workload first keeps its minReplicas (validated to fit the pool at its largest). When the
 * pool at its largest cannot hold pass 1, the workloads processed last — the lowest priority — get
 * what is left, down to their minimum: that is the brownout order.
 */
import type { PoolModel } from './planning-model.ts';
import type { OnlineWorkload } from '../domain/workload.ts';

export interface OnlineBuffers {
  /** All online workloads' arrays, workload-major: index = workload × slots + slot. */
  readonly hold: Int32Array;
  readonly level: Int32Array;
  /** 1 where the slot is inside an event window: coalesced levels there count as holds (pass 1). */
  readonly eventMask: Uint8Array;
  /** Out: allocated replicas. */
  readonly allocated: Int32Array;
}

export interface PoolOnlineUsage {
  readonly cpuMillicores: Float64Array;
  readonly memoryBytes: Float64Array;
  /** Nodes pass 1 needs per slot (at least the pool's minimum). */
  readonly nodesNeeded: Int32Array;
}

export function allocatePoolOnline(
  pool: PoolModel,
  online: readonly OnlineWorkload[],
  slots: number,
  buffers: OnlineBuffers,
  usage: PoolOnlineUsage,
): void {
  const order = pool.online;
  const count = order.length;
  const cpu = new Float64Array(count);
  const memory = new Float64Array(count);
  const minimum = new Int32Array(count);
  const offset = new Int32Array(count);
  let minCpu = 0;
  let minMemory = 0;
  for (let k = 0; k < count; k++) {
    const index = order[k] as number;
    const workload = online[index] as OnlineWorkload;
    cpu[k] = workload.perReplica.cpuMillicores;
    memory[k] = workload.perReplica.memoryBytes;
    minimum[k] = workload.minReplicas;
    offset[k] = index * slots;
    minCpu += workload.minReplicas * workload.perReplica.cpuMillicores;
    minMemory += workload.minReplicas * workload.perReplica.memoryBytes;
  }
  const nodeCpu = pool.pool.perNode.cpuMillicores;
  const nodeMemory = pool.pool.perNode.memoryBytes;
  const capCpu = pool.maxNodes * nodeCpu;
  const capMemory = pool.maxNodes * nodeMemory;
  const { hold, level, allocated, eventMask } = buffers;

  for (let t = 0; t < slots; t++) {
    let freeCpu = capCpu - minCpu;
    let freeMemory = capMemory - minMemory;
    // Pass 1: what must be held.
    for (let k = 0; k < count; k++) {
      const cell = (offset[k] as number) + t;
      const floor = minimum[k] as number;
      const target = eventMask[cell] === 1 && (level[cell] as number) > (hold[cell] as number) ? (level[cell] as number) : (hold[cell] as number);
      let give = target - floor;
      if (give > 0) {
        give = fitting(give, freeCpu, freeMemory, cpu[k] as number, memory[k] as number);
        freeCpu -= give * (cpu[k] as number);
        freeMemory -= give * (memory[k] as number);
      } else {
        give = 0;
      }
      allocated[cell] = floor + give;
    }
    const usedCpu = capCpu - freeCpu;
    const usedMemory = capMemory - freeMemory;
    let nodes = Math.max(pool.minNodes, Math.ceil(usedCpu / nodeCpu), Math.ceil(usedMemory / nodeMemory));
    if (nodes > pool.maxNodes) nodes = pool.maxNodes;
    usage.nodesNeeded[t] = nodes;
    // Pass 2: coalescing extras inside the nodes already needed.
    let roomCpu = nodes * nodeCpu - usedCpu;
    let roomMemory = nodes * nodeMemory - usedMemory;
    for (let k = 0; k < count; k++) {
      const cell = (offset[k] as number) + t;
      let give = (level[cell] as number) - (allocated[cell] as number);
      if (give <= 0) continue;
      give = fitting(give, roomCpu, roomMemory, cpu[k] as number, memory[k] as number);
      if (give === 0) continue;
      roomCpu -= give * (cpu[k] as number);
      roomMemory -= give * (memory[k] as number);
      allocated[cell] = (allocated[cell] as number) + give;
    }
    usage.cpuMillicores[t] = nodes * nodeCpu - roomCpu;
    usage.memoryBytes[t] = nodes * nodeMemory - roomMemory;
  }
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
