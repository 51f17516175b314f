/**
 * The controller's metrics: what a reconcile, a snapshot, a plan, a forecast and a guard miss turn
 * into, read back in the Prometheus text format; and the HTTP endpoints, which expose nothing but
 * metric values and one-word reasons.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerMetrics } from '../../../../src/adapters/metrics/controller-metrics.ts';
import { startMetricsServer, type RunningMetricsServer } from '../../../../src/adapters/metrics/metrics-server.ts';
import type { ApplyRecord, ReconcileResult } from '../../../../src/controller/reconcile.ts';
import type { ClusterSnapshot, ClusterWrite } from '../../../../src/ports/cluster.ts';
import { syntheticShift } from '../bullmq/synthetic-shift.ts';

const NOW_MS = Date.UTC(2024, 10, 11, 11, 50);
const shift = syntheticShift({ onlineCount: 2, offlineCount: 2, nowMs: NOW_MS, peakAtMs: NOW_MS + 20_000 });
const acquire = shift.plan.steps.find((step) => step.workload === 'pay-0000' && step.direction === 'acquire')!;
const release = shift.plan.steps.find((step) => step.direction === 'release' && step.workload.startsWith('etl'))!;

function write(name: string, namespace: string, replicas: number): ClusterWrite {
  return { kind: 'replicas', ref: { apiKind: 'Deployment', namespace, name }, replicas, provenance: { planId: shift.plan.id, stepId: 's', reason: 'r', message: 'm', atMs: NOW_MS } };
}

function applyRecord(overrides: Partial<ApplyRecord> & Pick<ApplyRecord, 'target' | 'phase' | 'stepId' | 'fromReplicas' | 'toReplicas'>): ApplyRecord {
  return {
    write: write(overrides.target, overrides.target.startsWith('etl') ? 'batch' : 'shop', overrides.toReplicas),
    outcome: { status: 'applied' }, startedAtMs: NOW_MS, finishedAtMs: NOW_MS, ...overrides,
  };
}

function result(records: ApplyRecord[], status: ReconcileResult['status'] = 'done'): ReconcileResult {
  return { status, atMs: NOW_MS, planId: shift.plan.id, records, stepsMarkedApplied: [], message: '' };
}

function snapshot(takenAtMs: number, ready: Record<string, number>): ClusterSnapshot {
  return {
    takenAtMs,
    nodePools: [],
    workloads: Object.entries(ready).map(([name, readyReplicas]) => ({
      ref: { apiKind: 'Deployment', namespace: name.startsWith('etl') ? 'batch' : 'shop', name }, desiredReplicas: 3, readyReplicas, annotations: {},
    })),
  };
}

function metricsFor(): ControllerMetrics {
  return new ControllerMetrics({ inventory: shift.inventory, defaultMetrics: false });
}

describe('ControllerMetrics', () => {
  it('measures apply latency from the step due time, counts offline preemptions and write outcomes', async () => {
    const metrics = metricsFor();
    metrics.observePlan(shift.plan, NOW_MS);
    metrics.onReconcile(result([
      applyRecord({ target: release.workload, phase: 'release', stepId: release.id, fromReplicas: 4, toReplicas: 1, startedAtMs: release.effectiveAtMs, finishedAtMs: release.effectiveAtMs + 300 }),
      applyRecord({ target: 'pay-0001', phase: 'acquire', stepId: 'unknown-step', fromReplicas: 1, toReplicas: 3, outcome: { status: 'failed', error: 'x', retryable: true } }),
    ], 'write-failures'));
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^chuanliu_apply_latency_seconds_bucket\{le="0.5",phase="release"\} 1$/m);
    expect(text).toMatch(/^chuanliu_apply_latency_seconds_bucket\{le="0.25",phase="release"\} 0$/m);
    expect(text).toMatch(new RegExp(`^chuanliu_offline_preempted_replicas_total\\{workload="${release.workload}"\\} 3$`, 'm'));
    expect(text).toMatch(/^chuanliu_writes_total\{phase="acquire",outcome="failed"\} 1$/m);
    expect(text).toMatch(/^chuanliu_reconciles_total\{status="write-failures"\} 1$/m);
  });

  it('times capacity to Ready from the acquire step due time until a snapshot shows the replicas Ready', async () => {
    const metrics = metricsFor();
    metrics.observePlan(shift.plan, NOW_MS);
    metrics.onReconcile(result([applyRecord({ target: 'pay-0000', phase: 'acquire', stepId: acquire.id, fromReplicas: 1, toReplicas: 3 })]));
    expect(metrics.pendingReadiness()).toBe(1);
    metrics.observeSnapshot(snapshot(acquire.effectiveAtMs + 1_000, { 'pay-0000': 2 }));
    expect(metrics.pendingReadiness()).toBe(1);
    metrics.observeSnapshot(snapshot(acquire.effectiveAtMs + 3_500, { 'pay-0000': 3 }));
    expect(metrics.pendingReadiness()).toBe(0);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^chuanliu_time_to_capacity_ready_seconds_sum 3.5$/m);
    expect(text).toMatch(/^chuanliu_actual_replicas\{workload="pay-0000",state="ready"\} 3$/m);
  });

  it('reports the plan, forecast and shortfall now, the leader flag and forecast misses', async () => {
    const metrics = metricsFor();
    const peakSlot = Math.floor((NOW_MS + 25_000 - shift.plan.startMs) / shift.plan.slotMs);
    metrics.observePlan({ ...shift.plan, shortfalls: [{ slotIndex: peakSlot, workload: 'pay-0001', missingReplicas: 2, message: 'short' }] }, NOW_MS + 25_000);
    metrics.observeForecasts(shift.forecasts.values(), NOW_MS + 25_000);
    metrics.setLeader(true);
    metrics.onForecastMiss({ workload: 'pay-0000', startMs: NOW_MS, observedRps: 900, bandRps: 375, peakObservedRps: 900 });
    metrics.observeActualRps('pay-0000', 812.5);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^chuanliu_plan_replicas\{workload="pay-0000"\} 3$/m);
    expect(text).toMatch(/^chuanliu_shortfall_replicas\{workload="pay-0001"\} 2$/m);
    expect(text).toMatch(/^chuanliu_forecast_rps\{workload="pay-0000",quantile="0.99"\} 300$/m);
    expect(text).toMatch(/^chuanliu_actual_rps\{workload="pay-0000"\} 812.5$/m);
    expect(text).toMatch(/^chuanliu_controller_leader 1$/m);
    expect(text).toMatch(/^chuanliu_forecast_misses_total\{workload="pay-0000"\} 1$/m);
    expect(text).toMatch(new RegExp(`^chuanliu_plan_info\\{plan_id="${shift.plan.id}"\\} 1$`, 'm'));
  });

  it('exports the freshness gate: fresh or held per workload, the age of its newest sample, and held ticks by code', async () => {
    const metrics = metricsFor();
    metrics.observeFreshness(new Map([
      ['pay-0000', { status: 'fresh', lastSampleAtMs: NOW_MS - 15_000 }],
      ['pay-0001', { status: 'stale', lastSampleAtMs: NOW_MS - 600_000, message: 'old' }],
    ]), NOW_MS);
    let text = await metrics.registry.metrics();
    expect(text).toMatch(/^chuanliu_demand_data_fresh\{workload="pay-0000"\} 1$/m);
    expect(text).toMatch(/^chuanliu_demand_data_fresh\{workload="pay-0001"\} 0$/m);
    expect(text).toMatch(/^chuanliu_demand_data_age_seconds\{workload="pay-0000"\} 15$/m);
    expect(text).toMatch(/^chuanliu_demand_data_age_seconds\{workload="pay-0001"\} 600$/m);

    // Prometheus gone: no age to tell, and the ticks that held count per workload and code.
    metrics.observeFreshness(new Map([['pay-0001', { status: 'missing', message: 'unreachable' }]]), NOW_MS + 30_000);
    for (let tick = 0; tick < 3; tick += 1) metrics.onDataAlert({ code: 'metrics-missing', workload: 'pay-0001', atMs: NOW_MS, message: 'held' });
    text = await metrics.registry.metrics();
    expect(text).not.toMatch(/^chuanliu_demand_data_age_seconds\{workload="pay-0001"\}/m);
    expect(text).toMatch(/^chuanliu_data_holds_total\{workload="pay-0001",code="metrics-missing"\} 3$/m);
  });
});

describe('metrics server', () => {
  let server: RunningMetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([
    { name: '/metrics', path: '/metrics', ready: true, status: 200, body: /chuanliu_controller_leader 0/ },
    { name: '/healthz', path: '/healthz', ready: false, status: 200, body: /^ok\n$/ },
    { name: '/readyz when ready', path: '/readyz', ready: true, status: 200, body: /^ready\n$/ },
    { name: '/readyz when Redis is down', path: '/readyz', ready: false, status: 503, body: /^not ready: redis unreachable\n$/ },
    { name: 'anything else', path: '/debug/pprof', ready: true, status: 404, body: /^not found\n$/ },
  ])('answers $name', async ({ path, ready, status, body }) => {
    const metrics = metricsFor();
    server = await startMetricsServer({
      registry: metrics.registry, port: 0, host: '127.0.0.1',
      readiness: async () => (ready ? { ready: true } : { ready: false, reason: 'redis unreachable' }),
    });
    const answer = await fetch(`${server.url}${path}`);
    expect(answer.status).toBe(status);
    expect(await answer.text()).toMatch(body);
  });

  it('refuses writes', async () => {
    server = await startMetricsServer({ registry: metricsFor().registry, port: 0, host: '127.0.0.1', readiness: async () => ({ ready: true }) });
    const answer = await fetch(`${server.url}/metrics`, { method: 'POST', body: 'x' });
    expect(answer.status).toBe(405);
  });
});
