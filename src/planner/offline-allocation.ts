/**
 * Offline allocation of one pool: offline gets what online leaves, by priority (every workload its
 * minimum first when it fits, then extras up to its maximum), stops when its work is done, and
 * gives replicas back early enough to drain before online needs the room.
 *
 * Deadlines: a first pass allocates by priority alone. A workload that would then miss its deadline
 * (or, for a deadline past the horizon, falls behind a proportional pace) is moved ahead of the
 * other offline work in every slot before its deadline — in practice it takes the troughs online
 * leaves — and the pass is repeated. If it still cannot make it, the plan keeps that precedence
 * (finishing as much as possible), never takes capacity from online for it, and reports the
 * expected shortfall in `offlineOutlook` and the plan notes.
 */
import type { OfflineOutlook } from '../domain/plan.ts';
import { HOUR_MS } from '../domain/units.ts';
import type { OfflineWorkload } from '../domain/workload.ts';
import type { ClockFormatter } from './format.ts';
import { fitting } from './online-allocation.ts';
import type { PlanningModel, PoolModel } from './planning-model.ts';
import { forwardExtreme, trailingExtreme, type WindowScratch } from './sliding-window.ts';
import { CAUSE } from './slot-causes.ts';

export interface PoolOfflineInput {
  readonly model: PlanningModel;
  readonly pool: PoolModel;
  /** Nodes of the pool per slot (final). */
  readonly nodes: Int32Array;
  readonly onlineCpuMillicores: Float64Array;
  readonly onlineMemoryBytes: Float64Array;
  /** Work left now per offline workload (index into model.offline); Infinity = open-ended. */
  readonly remainingCoreHours: Float64Array;
  /** spec.replicas now per offline workload, -1 when unknown. */
  readonly observedDesired: Int32Array;
  readonly scratch: WindowScratch;
  readonly clock: ClockFormatter;
}

export interface PoolOfflineResult {
  /** Per offline workload in `pool.offline` order: final replicas per slot. */
  readonly replicas: Map<number, Int32Array>;
  /** Before the drain lead: replicas the room allows per slot. */
  readonly raw: Map<number, Int32Array>;
  readonly causes: Map<number, Uint8Array>;
  readonly outlook: Map<number, OfflineOutlook>;
  readonly cpuMillicores: Float64Array;
}

const EPSILON_CORE_HOURS = 1e-9;

export function planPoolOffline(input: PoolOfflineInput): PoolOfflineResult {
  const { model, pool } = input;
  const slots = model.slotCount;
  const available = offlineRoom(input);
  const slotHours = new Float64Array(slots);
  for (let t = 0; t < slots; t++) {
    const from = Math.max(model.nowMs, model.startMs + t * model.slotMs);
    slotHours[t] = (model.startMs + (t + 1) * model.slotMs - from) / HOUR_MS;
  }

  const urgent = new Set<number>();
  let pass = settledPass(input, available, slotHours, urgent);
  const atRisk = pool.offline.filter((index) => !deadlineOnTrack(input, index, pass.replicas.get(index) as Int32Array, slotHours));
  if (atRisk.length > 0) {
    for (const index of atRisk) urgent.add(index);
    pass = settledPass(input, available, slotHours, urgent);
  }

  const outlook = new Map<number, OfflineOutlook>();
  for (const index of pool.offline) {
    outlook.set(index, describeOutlook(input, index, pass.replicas.get(index) as Int32Array, slotHours, urgent.has(index)));
  }
  const cpuMillicores = new Float64Array(slots);
  for (const index of pool.offline) {
    const replicas = pass.replicas.get(index) as Int32Array;
    const cpu = (model.offline[index] as OfflineWorkload).perReplica.cpuMillicores;
    for (let t = 0; t < slots; t++) cpuMillicores[t] = (cpuMillicores[t] as number) + (replicas[t] as number) * cpu;
  }
  return { ...pass, outlook, cpuMillicores };
}

interface Room {
  readonly cpuMillicores: Float64Array;
  readonly memoryBytes: Float64Array;
}

/**
 * What online leaves per slot. New nodes count only once they can be Ready (provisioning), and a
 * node release takes its room away at once: offline plans on the smallest node count of the last
 * provisioning interval.
 */
function offlineRoom(input: PoolOfflineInput): Room {
  const { model, pool, nodes } = input;
  const slots = model.slotCount;
  const provisioningSlots = Math.ceil(pool.provisioningMs / model.slotMs);
  const usable = new Int32Array(slots);
  if (provisioningSlots > 0) {
    const extended = new Int32Array(provisioningSlots + slots);
    extended.fill(pool.readyNodesNow, 0, provisioningSlots);
    extended.set(nodes, provisioningSlots);
    const out = new Int32Array(extended.length);
    trailingExtreme(extended, provisioningSlots, 'min', out, input.scratch);
    usable.set(out.subarray(provisioningSlots));
  } else {
    usable.set(nodes);
  }
  const cpuMillicores = new Float64Array(slots);
  const memoryBytes = new Float64Array(slots);
  for (let t = 0; t < slots; t++) {
    const nodeCount = Math.min(usable[t] as number, nodes[t] as number);
    cpuMillicores[t] = Math.max(0, nodeCount * pool.pool.perNode.cpuMillicores - (input.onlineCpuMillicores[t] as number));
    memoryBytes[t] = Math.max(0, nodeCount * pool.pool.perNode.memoryBytes - (input.onlineMemoryBytes[t] as number));
  }
  return { cpuMillicores, memoryBytes };
}

interface Pass {
  readonly replicas: Map<number, Int32Array>;
  readonly raw: Map<number, Int32Array>;
  readonly causes: Map<number, Uint8Array>;
}

function deadlineSlot(model: PlanningModel, workload: OfflineWorkload): number {
  // Slots that end by the deadline count towards it.
  return workload.deadlineMs === undefined ? Number.POSITIVE_INFINITY : Math.floor((workload.deadlineMs - model.startMs) / model.slotMs);
}

function coresPerReplica(workload: OfflineWorkload): number {
  return workload.perReplica.cpuMillicores / 1000;
}

/**
 * The allocation pass counts work on the counts the room allows, but the final counts give
 * replicas back a drain interval early, so a finite job does a little less than the pass believed.
 * Re-run with that deficit added to the work until the final counts finish what the pass planned
 * (a few rounds at most: each round moves the finish by at most the drain intervals it lost).
 */
function settledPass(input: PoolOfflineInput, room: Room, slotHours: Float64Array, urgent: ReadonlySet<number>): Pass {
  const { model, pool } = input;
  const extra = new Float64Array(model.offline.length);
  let pass = runPass(input, room, slotHours, urgent, extra);
  for (let round = 0; round < 4; round++) {
    let adjusted = false;
    for (const index of pool.offline) {
      const remaining = input.remainingCoreHours[index] as number;
      if (!Number.isFinite(remaining)) continue;
      const workload = model.offline[index] as OfflineWorkload;
      const planned = workDone(workload, pass.raw.get(index) as Int32Array, slotHours, model.slotCount);
      const actual = workDone(workload, pass.replicas.get(index) as Int32Array, slotHours, model.slotCount);
      // Only when the pass thought the job finished: otherwise the room, not the drain, limits it.
      if (planned >= remaining + (extra[index] as number) - EPSILON_CORE_HOURS && actual < remaining - EPSILON_CORE_HOURS) {
        extra[index] = (extra[index] as number) + (remaining - actual);
        adjusted = true;
      }
    }
    if (!adjusted) break;
    pass = runPass(input, room, slotHours, urgent, extra);
  }
  return pass;
}

function runPass(input: PoolOfflineInput, room: Room, slotHours: Float64Array, urgent: ReadonlySet<number>, extraCoreHours: Float64Array): Pass {
  const { model, pool } = input;
  const slots = model.slotCount;
  // Precedence: workloads racing a deadline first (earliest deadline, then priority), then the rest.
  const urgentOrder = pool.offline.filter((index) => urgent.has(index)).sort((a, b) => {
    const da = (model.offline[a] as OfflineWorkload).deadlineMs ?? Number.POSITIVE_INFINITY;
    const db = (model.offline[b] as OfflineWorkload).deadlineMs ?? Number.POSITIVE_INFINITY;
    return da - db || pool.offline.indexOf(a) - pool.offline.indexOf(b);
  });
  const count = pool.offline.length;
  const remaining = new Float64Array(count);
  const order = new Int32Array(count);
  const position = new Map<number, number>();
  pool.offline.forEach((index, k) => {
    position.set(index, k);
    remaining[k] = (input.remainingCoreHours[index] as number) + (extraCoreHours[index] as number);
  });
  const raw = new Map<number, Int32Array>();
  const causes = new Map<number, Uint8Array>();
  for (const index of pool.offline) {
    raw.set(index, new Int32Array(slots));
    causes.set(index, new Uint8Array(slots));
  }
  const rawList = pool.offline.map((index) => raw.get(index) as Int32Array);
  const causeList = pool.offline.map((index) => causes.get(index) as Uint8Array);
  // 1 where the job finishes in the slot (its count is set by the work left, not by the room).
  const finishing = pool.offline.map(() => new Uint8Array(slots));
  const workloads = pool.offline.map((index) => model.offline[index] as OfflineWorkload);
  const deadlines = workloads.map((workload) => deadlineSlot(model, workload));
  const urgentPositions = urgentOrder.map((index) => position.get(index) as number);
  const isUrgent = pool.offline.map((index) => urgent.has(index));
  for (let t = 0; t < slots; t++) {
    // This slot's order: urgent workloads before their deadline, then everyone else by priority.
    let filled = 0;
    for (const k of urgentPositions) if (t < (deadlines[k] as number)) order[filled++] = k;
    for (let k = 0; k < count; k++) if (!(isUrgent[k] === true && t < (deadlines[k] as number))) order[filled++] = k;

    let usedCpu = 0;
    let usedMemory = 0;
    for (let i = 0; i < count; i++) {
      const k = order[i] as number;
      const workload = workloads[k] as OfflineWorkload;
      const replicas = rawList[k] as Int32Array;
      if ((remaining[k] as number) <= EPSILON_CORE_HOURS) {
        replicas[t] = 0;
        continue;
      }
      const freeCpu = (room.cpuMillicores[t] as number) - usedCpu;
      const freeMemory = (room.memoryBytes[t] as number) - usedMemory;
      const give = fitting(workload.minReplicas, freeCpu, freeMemory, workload.perReplica.cpuMillicores, workload.perReplica.memoryBytes);
      replicas[t] = give;
      usedCpu += give * workload.perReplica.cpuMillicores;
      usedMemory += give * workload.perReplica.memoryBytes;
    }
    for (let i = 0; i < count; i++) {
      const k = order[i] as number;
      const workload = workloads[k] as OfflineWorkload;
      const replicas = rawList[k] as Int32Array;
      const left = remaining[k] as number;
      const cause = causeList[k] as Uint8Array;
      if (left <= EPSILON_CORE_HOURS) {
        cause[t] = CAUSE.workDone;
        continue;
      }
      // No more replicas than finish the remaining work within this slot.
      const perReplicaHours = coresPerReplica(workload) * (slotHours[t] as number);
      const useful = perReplicaHours > 0 && Number.isFinite(left) ? Math.ceil(left / perReplicaHours - 1e-9) : workload.maxReplicas;
      const cap = Math.min(workload.maxReplicas, Math.max(useful, 0));
      const current = replicas[t] as number;
      let give = cap - current;
      if (give > 0) {
        const freeCpu = (room.cpuMillicores[t] as number) - usedCpu;
        const freeMemory = (room.memoryBytes[t] as number) - usedMemory;
        give = fitting(give, freeCpu, freeMemory, workload.perReplica.cpuMillicores, workload.perReplica.memoryBytes);
        usedCpu += give * workload.perReplica.cpuMillicores;
        usedMemory += give * workload.perReplica.memoryBytes;
      } else {
        give = 0;
      }
      const total = current + give;
      replicas[t] = total;
      remaining[k] = left - total * perReplicaHours;
      const finishes = useful < workload.maxReplicas && total === useful;
      if (finishes) (finishing[k] as Uint8Array)[t] = 1;
      cause[t] = finishes ? CAUSE.workDone
        : isUrgent[k] === true && t < (deadlines[k] as number) ? CAUSE.deadline
        : total === 0 ? CAUSE.noRoom
          : total >= workload.maxReplicas ? CAUSE.max
            : CAUSE.leftover;
    }
  }

  // Drain lead: a replica given back at slot t must start draining drainMs earlier, so the final
  // target is the smallest room-allowed count over the next drain interval.
  const replicas = new Map<number, Int32Array>();
  pool.offline.forEach((index, k) => {
    const workload = workloads[k] as OfflineWorkload;
    const drainSlots = Math.ceil(workload.drainMs / model.slotMs);
    const source = rawList[k] as Int32Array;
    const cause = causeList[k] as Uint8Array;
    // A workload whose work is done just stops; only a drop that makes room needs to drain early
    // (when the room shrinks in the very slot the work ends, drain anyway: online may need it).
    const pulling = new Int32Array(slots);
    for (let t = 0; t < slots; t++) {
      const roomShrank = t > 0 && ((room.cpuMillicores[t] as number) < (room.cpuMillicores[t - 1] as number) || (room.memoryBytes[t] as number) < (room.memoryBytes[t - 1] as number));
      const ending = cause[t] === CAUSE.workDone || (finishing[k] as Uint8Array)[t] === 1;
      pulling[t] = ending && !roomShrank ? 0x7fffffff : (source[t] as number);
    }
    const final = new Int32Array(slots);
    forwardExtreme(pulling, drainSlots, 'min', final, input.scratch);
    for (let t = 0; t < slots; t++) {
      if ((final[t] as number) >= (source[t] as number)) final[t] = source[t] as number;
      else cause[t] = CAUSE.drain;
    }
    coalesceOffline(final, model.stepIntervalSlots, input.observedDesired[index] as number, input.scratch);
    replicas.set(index, final);
  });
  return { replicas, raw, causes };
}

/**
 * Coalescing for offline: a decrease happens when it must (the room shrank) and goes to the lowest
 * count of the next interval; an increase waits out the interval. Never above the room-allowed count.
 */
function coalesceOffline(replicas: Int32Array, intervalSlots: number, observedDesired: number, scratch: WindowScratch): void {
  if (intervalSlots <= 1) return;
  const ahead = new Int32Array(replicas.length);
  forwardExtreme(replicas, intervalSlots - 1, 'min', ahead, scratch);
  let current = observedDesired >= 0 ? observedDesired : (replicas[0] as number);
  let lastChange = -intervalSlots;
  for (let t = 0; t < replicas.length; t++) {
    const allowed = replicas[t] as number;
    if (allowed < current) {
      current = ahead[t] as number;
      lastChange = t;
    } else if (allowed > current && t - lastChange >= intervalSlots) {
      current = ahead[t] as number;
      lastChange = t;
    }
    replicas[t] = current;
  }
}

/** Work done by `replicas` over slots [0, untilSlot). */
function workDone(workload: OfflineWorkload, replicas: Int32Array, slotHours: Float64Array, untilSlot: number): number {
  const cores = coresPerReplica(workload);
  let total = 0;
  const end = Math.min(untilSlot, replicas.length);
  for (let t = 0; t < end; t++) total += (replicas[t] as number) * cores * (slotHours[t] as number);
  return total;
}

function deadlineOnTrack(input: PoolOfflineInput, index: number, replicas: Int32Array, slotHours: Float64Array): boolean {
  const { model } = input;
  const workload = model.offline[index] as OfflineWorkload;
  const remaining = input.remainingCoreHours[index] as number;
  if (workload.deadlineMs === undefined || !Number.isFinite(remaining) || remaining <= EPSILON_CORE_HOURS) return true;
  const slot = deadlineSlot(model, workload);
  if (slot <= model.slotCount) return workDone(workload, replicas, slotHours, slot) >= remaining - EPSILON_CORE_HOURS;
  // Deadline past the horizon: keep at least a proportional pace.
  const endMs = model.startMs + model.slotCount * model.slotMs;
  const share = (endMs - model.nowMs) / (workload.deadlineMs - model.nowMs);
  return workDone(workload, replicas, slotHours, model.slotCount) >= remaining * share - EPSILON_CORE_HOURS;
}

function describeOutlook(input: PoolOfflineInput, index: number, replicas: Int32Array, slotHours: Float64Array, prioritized: boolean): OfflineOutlook {
  const { model, clock } = input;
  const workload = model.offline[index] as OfflineWorkload;
  const remaining = input.remainingCoreHours[index] as number;
  const doneInHorizon = workDone(workload, replicas, slotHours, model.slotCount);
  const atEnd = Number.isFinite(remaining) ? Math.max(0, remaining - doneInHorizon) : Number.POSITIVE_INFINITY;
  const base = {
    workload: workload.name,
    remainingCoreHoursAtStart: remaining,
    remainingCoreHoursAtEnd: atEnd,
    prioritizedForDeadline: prioritized,
  };
  const hours = (value: number): string => (Number.isFinite(value) ? `${Math.round(value * 10) / 10} core-hours` : 'open-ended work');
  if (workload.deadlineMs === undefined || !Number.isFinite(remaining)) {
    return { ...base, message: `${workload.name}: ${hours(remaining)} left, ${Number.isFinite(atEnd) ? `${hours(atEnd)} after the horizon` : `${hours(doneInHorizon)} done in the horizon`}; no deadline` };
  }
  const deadlineText = clock.format(workload.deadlineMs);
  const slot = deadlineSlot(model, workload);
  const precedence = prioritized ? ' (moved ahead of other offline work to use the troughs before its deadline)' : '';
  if (slot <= model.slotCount) {
    const missing = Math.max(0, remaining - workDone(workload, replicas, slotHours, slot));
    const met = missing <= EPSILON_CORE_HOURS;
    return {
      ...base,
      deadlineMs: workload.deadlineMs,
      deadlineMet: met,
      missingCoreHoursAtDeadline: met ? 0 : missing,
      message: met
        ? `${workload.name}: ${hours(remaining)} left, done before its deadline ${deadlineText}${precedence}`
        : `${workload.name}: deadline ${deadlineText} cannot be met — ${hours(missing)} of ${hours(remaining)} remain at the deadline even with all capacity online leaves${precedence}; online is never cut for it`,
    };
  }
  const onTrack = deadlineOnTrack(input, index, replicas, slotHours);
  return {
    ...base,
    deadlineMs: workload.deadlineMs,
    deadlineMet: onTrack,
    message: onTrack
      ? `${workload.name}: deadline ${deadlineText} is past the horizon; on pace (${hours(atEnd)} left at the horizon's end)${precedence}`
      : `${workload.name}: deadline ${deadlineText} is past the horizon and the plan falls behind a proportional pace (${hours(atEnd)} left at the horizon's end)${precedence}`,
  };
}
