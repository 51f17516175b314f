/**
 * `oracle`: perfect foresight. Every tick each online workload gets exactly the replicas demand
 * will need, started early enough to be Ready in time — the lower bound of online cost at zero
 * unserved, against which every real strategy is measured.
 *
 * With need(s) = ceil(demand(s) / rpsPerReplica), a lead time L (the workload's worst-case
 * startup, plus the longest wait for room: node provisioning and one autoscaler scan when the
 * cluster has elastic pools, or the drain of the lower-priority pods it may have to preempt,
 * whichever is longer) and the termination grace G, the replicas at tick t are
 *   max( max over [t, t + L] of need,  min(replicas now, max over [t, t + L + G] of need) )
 * kept within the workload's min/max: a replica needed at t + L must start now, and a replica
 * needed again within L + G is cheaper kept than released (a released one holds its resources for
 * G, and its replacement for up to L before it serves). Two sliding-window maxima (monotonic
 * deques) make this O(1) per tick. The oracle pays for its replicas' startup like everyone else;
 * it does not know individual pods' startup draws, only the world's worst case, so it is a lower
 * bound up to that spread.
 */
import { z } from 'zod';
import type { Strategy, StrategyFactory } from '../strategy.ts';
import { initialReplicasWith, replicasFor } from './shared.ts';

export const oracleSettingsSchema = z.strictObject({}).prefault({});
export type OracleSettings = z.output<typeof oracleSettingsSchema>;

/** Sliding maximum over a window of future ticks. */
class WindowMax {
  private readonly ticks: number[] = [];
  private readonly values: number[] = [];
  private head = 0;

  push(tick: number, value: number): void {
    while (this.values.length > this.head && this.values[this.values.length - 1]! <= value) {
      this.values.pop();
      this.ticks.pop();
    }
    this.ticks.push(tick);
    this.values.push(value);
  }

  /** Maximum of the values pushed for ticks ≥ fromTick. */
  maxFrom(fromTick: number): number {
    while (this.head < this.ticks.length && this.ticks[this.head]! < fromTick) this.head += 1;
    if (this.head > 1024) {
      this.ticks.splice(0, this.head);
      this.values.splice(0, this.head);
      this.head = 0;
    }
    return this.head < this.values.length ? this.values[this.head]! : 0;
  }
}

/** An autoscaler scan can add up to one scan interval before nodes are even requested. */
const AUTOSCALER_SCAN_MS = 10_000;

export const oracleStrategy: StrategyFactory<OracleSettings> = {
  name: 'oracle',
  description: 'perfect foresight: exactly the replicas demand needs, started in time',
  usesForesight: true,
  settingsSchema: oracleSettingsSchema,
  create(): Strategy {
    let windows: WindowMax[] = [];
    let keepWindows: WindowMax[] = [];
    let leadTicks: number[] = [];
    let keepTicks: number[] = [];
    // Needs computed for the keep window wait here until the lead window reaches them, so each
    // future tick's demand is read once (reading two far-apart ticks would thrash the cache).
    let pendingNeeds: Int32Array[] = [];
    let onlineIndices: number[] = [];
    let totalTicks = 0;
    let tickMs = 1000;
    return {
      start(setup) {
        const { scenario, foresight } = setup;
        if (foresight === undefined) throw new Error('the oracle needs foresight');
        tickMs = scenario.tickMs;
        totalTicks = Math.ceil((scenario.endMs - scenario.startMs) / tickMs);
        const nodeLeadMs = setup.longestProvisioningMs > 0 ? setup.longestProvisioningMs + AUTOSCALER_SCAN_MS : 0;
        onlineIndices = scenario.workloads.flatMap((workload, index) => (workload.class === 'online' ? [index] : []));
        windows = scenario.workloads.map(() => new WindowMax());
        keepWindows = scenario.workloads.map(() => new WindowMax());
        leadTicks = scenario.workloads.map((_, index) =>
          Math.ceil((setup.maxStartupMs(index) + Math.max(nodeLeadMs, setup.preemptionDelayMs(index))) / tickMs) + 1);
        keepTicks = scenario.workloads.map((_, index) => leadTicks[index]! + Math.ceil(setup.terminationGraceMs(index) / tickMs));
        pendingNeeds = keepTicks.map((keep, index) => new Int32Array(keep - leadTicks[index]! + 1));
        const initialReplicas = initialReplicasWith(setup, (workload, index) => {
          // Prime the windows with ticks [0, L) and [0, L + G): act() adds one tick per call.
          const ring = pendingNeeds[index]!;
          for (let tick = 0; tick < keepTicks[index]!; tick += 1) {
            const need = replicasFor(workload, foresight.demandRps(index, Math.min(tick, totalTicks - 1)));
            if (tick < leadTicks[index]!) windows[index]!.push(tick, need);
            else ring[tick % ring.length] = need;
            keepWindows[index]!.push(tick, need);
          }
          return windows[index]!.maxFrom(0);
        });
        return { initialReplicas, hpas: [] };
      },
      get actIntervalMs() {
        return tickMs;
      },
      act({ tick, scenario, cluster, foresight }) {
        if (foresight === undefined) return;
        for (const index of onlineIndices) {
          const workload = scenario.workloads[index]!;
          if (workload.class !== 'online') continue;
          // Past the end, demand is taken to stay at its last value (no artificial scale-in at the end).
          const keepTick = tick + keepTicks[index]!;
          const leadTick = tick + leadTicks[index]!;
          const need = replicasFor(workload, foresight.demandRps(index, Math.min(keepTick, totalTicks - 1)));
          const ring = pendingNeeds[index]!;
          ring[keepTick % ring.length] = need;
          keepWindows[index]!.push(keepTick, need);
          windows[index]!.push(leadTick, ring[leadTick % ring.length]!);
          const current = cluster.desired[index]!;
          const replicas = Math.max(windows[index]!.maxFrom(tick), Math.min(current, keepWindows[index]!.maxFrom(tick)));
          if (replicas !== current) cluster.setDesiredReplicas(index, replicas);
        }
      },
    };
  },
};
