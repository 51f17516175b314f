/**
 * Fault: Prometheus down or returning stale data. Missing or stale metrics never cause a
 * scale-down: the data-freshness gate (src/controller/data-freshness.ts) holds online capacity and
 * caps offline, raises an alert per workload, and still lets the plan raise online capacity.
 *
 * Against a real `prometheus` backfilled with two hours of the shipped NASA trace (real traffic,
 * July 1995), which the test then stops; and against an address where nothing listens. The cluster
 * is the simulator's in-memory cluster on a manual clock set to the trace's time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/adapters/memory/manual-clock.ts';
import { MemoryAppliedStepStore } from '../../src/adapters/memory/memory-applied-steps.ts';
import { MemoryCluster } from '../../src/adapters/memory/memory-cluster.ts';
import { PrometheusSource } from '../../src/adapters/prometheus/prometheus-source.ts';
import { shippedTracePath } from '../../src/adapters/traces/catalog.ts';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { holdOnStaleData, probeDemandFreshness, type DataFreshness } from '../../src/controller/data-freshness.ts';
import { reconcile } from '../../src/controller/reconcile.ts';
import type { CapacityPlan, PlanStep } from '../../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload } from '../../src/domain/workload.ts';
import { freePort } from '../integration/helpers/free-port.ts';
import { startPrometheus, toOpenMetrics, type PrometheusServer } from '../integration/helpers/prometheus.ts';

const MINUTE_MS = 60_000;
const GIB = 1024 ** 3;
// Two hours of the NASA KSC log (requests per minute → requests/s), recorded as a gauge.
const HISTORY_START_MS = Date.parse('1995-07-06T10:00:00-04:00');
const HISTORY_END_MS = Date.parse('1995-07-06T12:00:00-04:00');
const QUERY = 'nasa_http_request_rate';

function online(name: string, minReplicas: number): OnlineWorkload {
  return {
    class: 'online', name, ref: { apiKind: 'Deployment', namespace: 'pay', name }, rpsPerReplica: 10,
    perReplica: { cpuMillicores: 1000, memoryBytes: GIB }, startup: { p50Ms: 20_000, p95Ms: 45_000 },
    minReplicas, maxReplicas: 50, priority: 10, demandQuantile: 0.99, demand: { kind: 'prometheus', query: QUERY },
  };
}

const etl: OfflineWorkload = {
  class: 'offline', name: 'etl', ref: { apiKind: 'Deployment', namespace: 'batch', name: 'etl' }, priority: 1, minReplicas: 0,
  maxReplicas: 20, perReplica: { cpuMillicores: 1000, memoryBytes: GIB }, drainMs: 60_000,
};

const inventory: Inventory = {
  online: [online('pay', 2), online('refund', 2)],
  offline: [etl],
  nodePools: [{ name: 'general', perNode: { cpuMillicores: 8000, memoryBytes: 32 * GIB }, baseNodes: 10, costPerNodeHour: 1 }],
};

/**
 * After the peak: pay scales in 10→4 and etl gets its room back 0→6, while refund still goes
 * up 2→5 (a forecast increase). One slot, everything due at `nowMs`.
 */
function afterPeakPlan(nowMs: number): CapacityPlan {
  const step = (workload: string, fromReplicas: number, toReplicas: number, reason: PlanStep['reason']): PlanStep => ({
    id: `${workload}@0`, workload, effectiveAtMs: nowMs, readyByMs: nowMs, fromReplicas, toReplicas,
    direction: toReplicas < fromReplicas ? 'release' : 'acquire', reason, message: `${workload} ${fromReplicas}→${toReplicas}`,
  });
  return {
    id: 'plan-after-peak', createdAtMs: nowMs - MINUTE_MS, startMs: nowMs, slotMs: MINUTE_MS, slotCount: 1,
    replicas: { pay: Int32Array.of(4), refund: Int32Array.of(5), etl: Int32Array.of(6) },
    nodes: {},
    steps: [step('pay', 10, 4, 'scale-in-after-peak'), step('refund', 2, 5, 'forecast-increase'), step('etl', 0, 6, 'offline-restore')],
    shortfalls: [], brownoutOrder: [],
  };
}

interface TickOutcome {
  readonly freshness: DataFreshness;
  readonly levels: Record<string, number>;
  readonly alerts: readonly string[];
  readonly status: string;
}

/** One guarded tick at `nowMs`: probe the metrics, gate the plan, reconcile; the cluster's levels after. */
async function guardedTick(source: PrometheusSource, nowMs: number): Promise<TickOutcome> {
  const clock = new ManualClock(nowMs);
  const cluster = new MemoryCluster({
    startMs: nowMs, seed: 7, nodePools: inventory.nodePools,
    workloads: [
      { workload: inventory.online[0] as OnlineWorkload, initialReplicas: 10 },
      { workload: inventory.online[1] as OnlineWorkload, initialReplicas: 2 },
      { workload: etl, initialReplicas: 0 },
    ],
  }, clock);
  const byWorkload = await probeDemandFreshness(source, inventory, { nowMs, maxSampleAgeMs: 5 * MINUTE_MS });
  const freshness = byWorkload.get('pay') as DataFreshness;
  const snapshot = await cluster.snapshot();
  const hold = holdOnStaleData({ freshness: byWorkload, inventory, snapshot, nowMs });
  const result = await reconcile({
    cluster, plan: afterPeakPlan(nowMs), inventory, appliedSteps: new MemoryAppliedStepStore(), clock, overrides: hold.overrides, snapshot,
  });
  const after = await cluster.snapshot();
  return {
    freshness,
    levels: Object.fromEntries(after.workloads.map((state) => [state.ref.name, state.desiredReplicas])),
    alerts: hold.alerts.map((alert) => `${alert.code} ${alert.workload}`),
    status: result.status,
  };
}

let server: PrometheusServer | undefined;
let source: PrometheusSource;

beforeAll(async () => {
  const nasa = await readTraceFile(shippedTracePath('nasa-http-1995'), { timeZone: 'America/New_York', detectOutages: false });
  const first = (HISTORY_START_MS - nasa.series.startMs) / nasa.series.stepMs;
  const samples = Array.from(nasa.series.values.subarray(first, first + (HISTORY_END_MS - HISTORY_START_MS) / MINUTE_MS), (value, index) => ({
    timeMs: HISTORY_START_MS + (index + 1) * MINUTE_MS, value,
  })).filter((sample) => !Number.isNaN(sample.value));
  server = await startPrometheus({ openMetrics: toOpenMetrics([{ name: QUERY, type: 'gauge', samples }]), lookbackDelta: '1m' });
  source = new PrometheusSource({ baseUrl: server.baseUrl, timeoutMs: 5_000 });
});

afterAll(async () => {
  await server?.stop();
});

describe('Prometheus missing or stale: capacity held, alert raised', () => {
  it('fresh data: the plan runs as made (pay scales in; refund and etl fit the free room, so they do not wait for its drain), no alert', async () => {
    const outcome = await guardedTick(source, HISTORY_END_MS + 2 * MINUTE_MS);
    expect(outcome.freshness.status).toBe('fresh');
    expect(outcome.alerts).toEqual([]);
    // 80 cores, 12 in use before the tick: refund's 3 more and etl's 6 fit without pay's released pods.
    expect(outcome.levels).toEqual({ pay: 4, refund: 5, etl: 6 });
  });

  it.each([
    { name: 'newest sample 20 min old', afterEndMs: 20 * MINUTE_MS, detail: /newest sample is 1140 s old/ },
    { name: 'no sample in the last 30 min', afterEndMs: 3 * 60 * MINUTE_MS, detail: /no sample at all/ },
  ])('stale data ($name): pay held at 10, etl capped at 0, refund still raised, alerts for both', async ({ afterEndMs, detail }) => {
    const outcome = await guardedTick(source, HISTORY_END_MS + afterEndMs);
    expect(outcome.freshness).toMatchObject({ status: 'stale', message: expect.stringMatching(detail) });
    expect(outcome.levels).toEqual({ pay: 10, refund: 5, etl: 0 });
    expect(outcome.alerts).toEqual(['metrics-stale pay', 'metrics-stale refund']);
    expect(outcome.status).toBe('done');
  });

  it('nothing listening at the address: held the same way, alert metrics-missing', async () => {
    const nowhere = new PrometheusSource({ baseUrl: `http://127.0.0.1:${await freePort()}`, timeoutMs: 2_000 });
    const outcome = await guardedTick(nowhere, HISTORY_END_MS + 2 * MINUTE_MS);
    expect(outcome.freshness).toMatchObject({ status: 'missing', message: expect.stringMatching(/unreachable/) });
    expect(outcome.levels).toEqual({ pay: 10, refund: 5, etl: 0 });
    expect(outcome.alerts).toEqual(['metrics-missing pay', 'metrics-missing refund']);
  });

  // Last: it stops the shared server.
  it('the prometheus process stopped mid-run: fresh before, held after', async () => {
    const nowMs = HISTORY_END_MS + 2 * MINUTE_MS;
    expect((await guardedTick(source, nowMs)).levels).toMatchObject({ pay: 4 });
    await server?.stop();
    server = undefined;
    const outcome = await guardedTick(source, nowMs);
    expect(outcome.freshness.status).toBe('missing');
    expect(outcome.levels).toEqual({ pay: 10, refund: 5, etl: 0 });
    expect(outcome.alerts).toEqual(['metrics-missing pay', 'metrics-missing refund']);
  });
});
