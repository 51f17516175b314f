/**
 * The status chuanliu writes on each PeakEvent, so `kubectl get peakevents` and
 * `chuanliu event get` tell where it stands: conditions Accepted (chuanliu's own validation),
 * Planned (the plan that took it in, the lead and whether it fits) and CapacityReady ("payment
 * 40/40 Ready at 19:58:10"), plus plan id, lead, shortfall and brownout order. A status is written
 * only when it changed; a condition keeps its lastTransitionTime while its status stays.
 */
import type { PeakEvent, PeakEventCondition, PeakEventStatus } from '../../calendar/peak-event.ts';
import { peakEventWorkloads } from '../../calendar/peak-event.ts';
import type { Inventory } from '../../domain/workload.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import { formatDurationMs } from '../../domain/units.ts';
import { eventImpact } from '../../planner/event-impact.ts';
import type { ClusterSnapshot } from '../../ports/cluster.ts';
import type { PeakEventStore } from '../../ports/peak-events.ts';
import type { RefusedPeakEvent } from './planning-source.ts';

export interface StatusInputs {
  readonly events: readonly PeakEvent[];
  readonly refused: readonly RefusedPeakEvent[];
  readonly plan: CapacityPlan | undefined;
  /** Ids of the PeakEvents the plan was made with. */
  readonly plannedEventIds: ReadonlySet<string>;
  readonly snapshot: ClusterSnapshot | undefined;
  readonly inventory: Inventory;
  readonly nowMs: number;
}

type Conditions = Record<PeakEventCondition['type'], Omit<PeakEventCondition, 'lastTransitionTime'>>;

/** What each PeakEvent's status should say now (without transition times); pure. */
export function desiredStatuses(inputs: StatusInputs): Map<string, { conditions: Conditions; rest: Omit<PeakEventStatus, 'conditions'> }> {
  const statuses = new Map<string, { conditions: Conditions; rest: Omit<PeakEventStatus, 'conditions'> }>();
  const online = inputs.inventory.online.map((workload) => workload.name);
  for (const refused of inputs.refused) {
    statuses.set(`${refused.namespace}/${refused.name}`, {
      conditions: {
        Accepted: { type: 'Accepted', status: 'False', reason: 'Invalid', message: refused.message },
        Planned: { type: 'Planned', status: 'False', reason: 'NotAccepted', message: 'not planned: chuanliu refused the event (see Accepted)' },
        CapacityReady: { type: 'CapacityReady', status: 'Unknown', reason: 'NotAccepted', message: 'not planned' },
      },
      rest: { state: 'Refused' },
    });
  }
  for (const event of inputs.events) {
    const workloads = peakEventWorkloads(event, online);
    const endMs = event.startMs + event.durationMs;
    const accepted = { type: 'Accepted' as const, status: 'True' as const, reason: 'Valid', message: `valid; affects ${workloads.join(', ')}` };
    const key = `${event.namespace}/${event.name}`;
    if (event.cancelled) {
      statuses.set(key, {
        conditions: {
          Accepted: accepted,
          Planned: { type: 'Planned', status: 'False', reason: 'Cancelled', message: 'cancelled: out of the plan; capacity is handed back after the scale-in stabilization' },
          CapacityReady: { type: 'CapacityReady', status: 'Unknown', reason: 'Cancelled', message: 'cancelled' },
        },
        rest: { state: 'Cancelled', workloads: workloads.join(',') },
      });
      continue;
    }
    const plan = inputs.plan;
    const planned = plan !== undefined && inputs.plannedEventIds.has(event.id);
    if (!planned) {
      statuses.set(key, {
        conditions: {
          Accepted: accepted,
          Planned: { type: 'Planned', status: 'False', reason: 'Pending', message: 'waiting for the next plan (re-planned within seconds of a change)' },
          CapacityReady: { type: 'CapacityReady', status: 'Unknown', reason: 'Pending', message: 'not planned yet' },
        },
        rest: { state: 'Accepted', workloads: workloads.join(',') },
      });
      continue;
    }
    const impact = eventImpact({ event: { id: event.id, startMs: event.startMs, endMs, workloads }, after: plan, nowMs: inputs.nowMs, offlineWorkloads: [] });
    const readiness = capacityReadiness(plan, inputs.snapshot, inputs.inventory, workloads, event.startMs, inputs.nowMs);
    const ended = inputs.nowMs >= endMs;
    statuses.set(key, {
      conditions: {
        Accepted: accepted,
        Planned: { type: 'Planned', status: 'True', reason: impact.fits ? 'Fits' : impact.shortfallReplicas > 0 ? 'Shortfall' : 'Late', message: `plan ${plan.id}: ${impact.verdict}` },
        CapacityReady: readiness,
      },
      rest: {
        planId: plan.id,
        lead: formatDurationMs(Math.round(impact.leadMs / 1_000) * 1_000),
        workloads: workloads.join(','),
        shortfallReplicas: impact.shortfallReplicas,
        brownoutOrder: [...impact.brownoutOrder],
        state: ended ? 'Ended' : readiness.status === 'True' ? 'Ready' : impact.fits ? 'Planned' : impact.shortfallReplicas > 0 ? 'Short' : 'Late',
      },
    });
  }
  return statuses;
}

/** CapacityReady: every workload Ready at the replicas the plan asks for at the event's start. */
function capacityReadiness(
  plan: CapacityPlan, snapshot: ClusterSnapshot | undefined, inventory: Inventory, workloads: readonly string[], startMs: number, nowMs: number,
): Omit<PeakEventCondition, 'lastTransitionTime'> {
  if (snapshot === undefined) return { type: 'CapacityReady', status: 'Unknown', reason: 'NotObserved', message: 'the cluster has not been read yet' };
  const slot = Math.min(plan.slotCount - 1, Math.max(0, Math.floor((startMs - plan.startMs) / plan.slotMs)));
  const parts: string[] = [];
  let allReady = true;
  for (const name of workloads) {
    const workload = inventory.online.find((candidate) => candidate.name === name);
    const target = plan.replicas[name]?.[slot] ?? 0;
    const state = workload === undefined ? undefined : snapshot.workloads.find((candidate) => candidate.ref.apiKind === workload.ref.apiKind && candidate.ref.namespace === workload.ref.namespace && candidate.ref.name === workload.ref.name);
    const ready = state?.readyReplicas ?? 0;
    if (ready < target) allReady = false;
    parts.push(`${name} ${ready}/${target} Ready`);
  }
  const at = new Date(snapshot.takenAtMs).toISOString().slice(11, 19);
  return allReady
    ? { type: 'CapacityReady', status: 'True', reason: 'Ready', message: `${parts.join(', ')} at ${at} UTC` }
    : { type: 'CapacityReady', status: 'False', reason: nowMs >= startMs ? 'NotReadyAtStart' : 'Scaling', message: `${parts.join(', ')} (${at} UTC)` };
}

/** Writes the statuses that changed; remembers transition times. */
export class PeakEventStatusWriter {
  private readonly written = new Map<string, PeakEventStatus>();

  constructor(private readonly store: PeakEventStore, private readonly onError: (message: string) => void) {}

  async write(inputs: StatusInputs): Promise<number> {
    if (this.store.writeStatus === undefined) return 0;
    let writes = 0;
    const stamp = new Date(inputs.nowMs).toISOString().replace(/\.\d+Z$/, 'Z');
    for (const [key, desired] of desiredStatuses(inputs)) {
      const previous = this.written.get(key);
      const conditions = (['Accepted', 'Planned', 'CapacityReady'] as const).map((type): PeakEventCondition => {
        const before = previous?.conditions?.find((condition) => condition.type === type);
        // Without a fresh look at the cluster, readiness stays what it was last seen as.
        const keep = type === 'CapacityReady' && inputs.snapshot === undefined && before !== undefined && desired.conditions.Planned.status === 'True';
        const now = keep ? before : desired.conditions[type];
        return { ...now, lastTransitionTime: before !== undefined && before.status === now.status ? before.lastTransitionTime : stamp };
      });
      const status: PeakEventStatus = { ...desired.rest, conditions };
      if (previous !== undefined && JSON.stringify(previous) === JSON.stringify(status)) continue;
      const [namespace, name] = key.split('/') as [string, string];
      try {
        await this.store.writeStatus(namespace, name, status);
        this.written.set(key, status);
        writes += 1;
      } catch (error) {
        this.onError(`status of PeakEvent ${key} not written: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    return writes;
  }

  /** True when some event is running or to come: its readiness is worth a look at the cluster. */
  needsSnapshot(events: readonly PeakEvent[], nowMs: number): boolean {
    return events.some((event) => !event.cancelled && nowMs < event.startMs + event.durationMs);
  }
}
