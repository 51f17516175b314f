import { describe, expect, it } from 'vitest';
import type { CapacityPlan, PlanStep } from '../../../src/domain/plan.ts';
import { eventImpact } from '../../../src/planner/event-impact.ts';

const MIN = 60_000;
const NOW = Date.UTC(2026, 10, 11, 11, 40);

function plan(replicas: Record<string, number[]>, options: { steps?: PlanStep[]; shortfall?: number; brownout?: string[]; leadMs?: number } = {}): CapacityPlan {
  return {
    id: 'plan-x', createdAtMs: NOW, startMs: NOW, slotMs: 5 * MIN, slotCount: 12,
    replicas: Object.fromEntries(Object.entries(replicas).map(([name, values]) => [name, Int32Array.from(values)])),
    nodes: {}, steps: options.steps ?? [],
    shortfalls: options.shortfall !== undefined ? [{ slotIndex: 5, workload: 'payment', missingReplicas: options.shortfall, message: 'short' }] : [],
    brownoutOrder: options.brownout ?? [],
    explanation: {
      scaleInStabilizationMs: 0, applyLatencyMs: 0, displayTimeZone: 'UTC', pools: {}, occurrences: [],
      workloads: { payment: { class: 'online', pool: 'p', priority: 1, minReplicas: 1, maxReplicas: 100, causes: new Uint8Array(12), lead: { totalMs: options.leadMs ?? 7 * MIN, applyMs: 15_000, startupP95Ms: 0, nodeProvisioningMs: 0 } } },
    },
  };
}

const EVENT = { id: 'peakevent/shop/flash', startMs: NOW + 25 * MIN, endMs: NOW + 45 * MIN, workloads: ['payment'] };
const acquire: PlanStep = { id: 's1', workload: 'payment', effectiveAtMs: NOW + 18 * MIN, readyByMs: NOW + 25 * MIN, fromReplicas: 12, toReplicas: 40, direction: 'acquire', reason: 'event-start', message: '', leadMs: 7 * MIN };

describe('eventImpact', () => {
  it('says from→to, who gives way, when it is written and that the lead fits', () => {
    const before = plan({ payment: Array(12).fill(12), etl: Array(12).fill(30) });
    const after = plan({ payment: [12, 12, 12, 12, 12, 40, 40, 40, 40, 12, 12, 12], etl: [30, 30, 30, 30, 30, 10, 10, 10, 10, 30, 30, 30] }, { steps: [acquire] });
    const impact = eventImpact({ event: EVENT, before, after, nowMs: NOW, offlineWorkloads: ['etl'] });
    expect(impact.online).toEqual([{ workload: 'payment', fromReplicas: 12, toReplicas: 40 }]);
    expect(impact.offlineGivingWay).toEqual([{ workload: 'etl', fromReplicas: 30, toReplicas: 10 }]);
    expect(impact.firstWriteAtMs).toBe(NOW + 18 * MIN);
    expect(impact.readyByMs).toBe(NOW + 25 * MIN);
    expect(impact.verdict).toBe('starts in 25m; payment needs 7m; fits');
    expect(impact.fits).toBe(true);
  });

  it('names the shortfall and the brownout order', () => {
    const after = plan({ payment: Array(12).fill(30) }, { steps: [acquire], shortfall: 40, brownout: ['etl', 'reports'] });
    const impact = eventImpact({ event: EVENT, after, nowMs: NOW, offlineWorkloads: [] });
    expect(impact.verdict).toBe('starts in 25m; payment needs 7m; shortfall 40 replicas; brownout: etl, reports');
    expect(impact.fits).toBe(false);
  });

  it('is late when the start is closer than the lead, not when only the slot began before now', () => {
    const close = { ...EVENT, startMs: NOW + 3 * MIN };
    const step = { ...acquire, effectiveAtMs: NOW - 4 * MIN, readyByMs: NOW };
    const late = eventImpact({ event: close, after: plan({ payment: Array(12).fill(40) }, { steps: [step] }), nowMs: NOW, offlineWorkloads: [] });
    expect(late.verdict).toBe('starts in 3m; payment needs 7m; late by 4m');
    const wideSlot = eventImpact({ event: EVENT, after: plan({ payment: Array(12).fill(40) }, { steps: [step] }), nowMs: NOW, offlineWorkloads: [] });
    expect(wideSlot.verdict).toBe('starts in 25m; payment needs 7m; fits');
  });
});
