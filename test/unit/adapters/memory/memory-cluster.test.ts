import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.ts';
import type { Cluster, ClusterWrite, WriteProvenance } from '../../../../src/ports/cluster.ts';
import { offlineWorkload, onlineWorkload, pool } from './fixtures.ts';

const provenance: WriteProvenance = { planId: 'plan-1', stepId: 'step-1', reason: 'forecast-increase', message: 'test write', atMs: 0 };

function setup() {
  const clock = new ManualClock(0);
  const web = onlineWorkload({ name: 'web', hpaName: 'web-hpa', startup: { p50Ms: 10_000, p95Ms: 10_000 } });
  const api = onlineWorkload({ name: 'api', ref: { apiKind: 'StatefulSet', namespace: 'test', name: 'api' } });
  const job = offlineWorkload({ name: 'etl', maxReplicas: 6, perReplica: { cpuMillicores: 1000, memoryBytes: 1024 ** 3 } });
  const reports = offlineWorkload({ name: 'reports', ref: { apiKind: 'CronJob', namespace: 'batch', name: 'reports' }, maxReplicas: 3 });
  const cluster = new MemoryCluster({
    startMs: 0, seed: 1,
    nodePools: [pool({ baseNodes: 4 }), pool({ name: 'burst', baseNodes: 0, elastic: { maxNodes: 5, provisioningMs: 60_000 } })],
    workloads: [
      { workload: web, initialReplicas: 2 }, { workload: api, initialReplicas: 1 },
      { workload: job, initialReplicas: 2 }, { workload: reports, initialReplicas: 0 },
    ],
    hpas: [{ name: 'web-hpa', workload: 'web', minReplicas: 2, maxReplicas: 50, metric: { kind: 'cpu', targetUtilizationPercent: 70 } }],
  }, clock, { demandRps: { web: 150 } });
  return { clock, cluster: cluster as Cluster & MemoryCluster, refs: { web: web.ref, api: api.ref, job: job.ref, reports: reports.ref } };
}

describe('MemoryCluster (the Cluster port over the simulated cluster)', () => {
  it('snapshot shows desired/Ready replicas, the HPA, node pools and the time', async () => {
    const { cluster } = setup();
    const snapshot = await cluster.snapshot();
    expect(snapshot.takenAtMs).toBe(0);
    expect(snapshot.workloads.find((w) => w.ref.name === 'web')).toMatchObject({
      desiredReplicas: 2, readyReplicas: 2, hpa: { name: 'web-hpa', minReplicas: 2, maxReplicas: 50, currentReplicas: 2 },
    });
    expect(snapshot.nodePools).toEqual([
      { pool: 'general', readyNodes: 4, provisioningNodes: 0, allocatableCpuMillicores: 64_000, allocatableMemoryBytes: 4 * 64 * 1024 ** 3 },
      { pool: 'burst', readyNodes: 0, provisioningNodes: 0, allocatableCpuMillicores: 0, allocatableMemoryBytes: 0 },
    ]);
  });

  it.each<{ name: string; write: (refs: ReturnType<typeof setup>['refs']) => ClusterWrite; check: (cluster: MemoryCluster) => void }>([
    { name: 'replicas of a StatefulSet', write: (refs) => ({ kind: 'replicas', ref: refs.api, replicas: 4, provenance }),
      check: (cluster) => expect(cluster.simulation.desired[1]).toBe(4) },
    { name: 'an HPA floor (minReplicas)', write: (refs) => ({ kind: 'hpa-min', ref: refs.web, hpaName: 'web-hpa', minReplicas: 30, provenance }),
      check: (cluster) => expect(cluster.simulation.hpaStatusByName('web-hpa')?.minReplicas).toBe(30) },
    { name: 'a Job\'s parallelism', write: (refs) => ({ kind: 'job-parallelism', ref: refs.job, parallelism: 5, provenance }),
      check: (cluster) => expect(cluster.simulation.desired[2]).toBe(5) },
    { name: 'resuming a CronJob (runs at its parallelism)', write: (refs) => ({ kind: 'cronjob-suspend', ref: refs.reports, suspend: false, provenance }),
      check: (cluster) => expect(cluster.simulation.desired[3]).toBe(3) },
    { name: 'elastic pool nodes', write: () => ({ kind: 'pool-nodes', pool: 'burst', nodes: 2, provenance }),
      check: (cluster) => expect(cluster.simulation.poolStatuses()[1]?.provisioningNodes).toBe(2) },
  ])('writes $name: applied, then unchanged when repeated (idempotent)', async ({ write, check }) => {
    const { cluster, refs } = setup();
    expect(await cluster.write(write(refs))).toEqual({ status: 'applied' });
    check(cluster);
    expect(await cluster.write(write(refs))).toEqual({ status: 'unchanged' });
  });

  it.each<{ name: string; write: (refs: ReturnType<typeof setup>['refs']) => ClusterWrite; error: RegExp }>([
    { name: 'an unknown workload', write: (refs) => ({ kind: 'replicas', ref: { ...refs.api, name: 'nope' }, replicas: 2, provenance }), error: /not found/ },
    { name: 'the wrong namespace', write: (refs) => ({ kind: 'replicas', ref: { ...refs.api, namespace: 'other' }, replicas: 2, provenance }), error: /not found/ },
    { name: 'replicas of a Job', write: (refs) => ({ kind: 'replicas', ref: refs.job, replicas: 2, provenance }), error: /no replicas/ },
    { name: 'an HPA that does not exist', write: (refs) => ({ kind: 'hpa-min', ref: refs.api, hpaName: 'api-hpa', minReplicas: 2, provenance }), error: /not found/ },
    { name: 'an HPA floor above its max', write: (refs) => ({ kind: 'hpa-min', ref: refs.web, hpaName: 'web-hpa', minReplicas: 51, provenance }), error: /exceeds maxReplicas/ },
    { name: 'an unknown pool', write: () => ({ kind: 'pool-nodes', pool: 'gpu', nodes: 1, provenance }), error: /not found/ },
  ])('refuses $name without changing anything (failed, not retryable)', async ({ write, error }) => {
    const { cluster, refs } = setup();
    const before = await cluster.snapshot();
    const outcome = await cluster.write(write(refs));
    expect(outcome.status).toBe('failed');
    if (outcome.status === 'failed') {
      expect(outcome.error).toMatch(error);
      expect(outcome.retryable).toBe(false);
    }
    expect((await cluster.snapshot()).workloads).toEqual(before.workloads);
  });

  it('leaves provenance annotations on the written object', async () => {
    const { cluster, refs } = setup();
    await cluster.write({ kind: 'replicas', ref: refs.api, replicas: 3, provenance });
    const api = (await cluster.snapshot()).workloads.find((w) => w.ref.name === 'api')!;
    expect(api.annotations).toMatchObject({ 'chuanliu.io/plan-id': 'plan-1', 'chuanliu.io/step-id': 'step-1', 'chuanliu.io/reason': 'forecast-increase' });
  });

  it('follows the clock: pods started by a write are Ready once the clock passes their startup', async () => {
    const { cluster, clock, refs } = setup();
    await cluster.write({ kind: 'replicas', ref: refs.api, replicas: 3, provenance });
    await clock.advance(5_000);
    expect((await cluster.snapshot()).workloads.find((w) => w.ref.name === 'api')?.readyReplicas).toBe(1);
    await clock.advance(20_000);
    const snapshot = await cluster.snapshot();
    expect(snapshot.takenAtMs).toBe(25_000);
    expect(snapshot.workloads.find((w) => w.ref.name === 'api')?.readyReplicas).toBe(3);
  });

  it('scaling a Job down reports terminating workers while they drain', async () => {
    const { cluster, clock, refs } = setup();
    await cluster.write({ kind: 'job-parallelism', ref: refs.job, parallelism: 0, provenance });
    await clock.advance(1_000);
    const etl = (await cluster.snapshot()).workloads.find((w) => w.ref.name === 'etl')!;
    expect(etl).toMatchObject({ desiredReplicas: 0, readyReplicas: 0 });
    expect((etl as { terminatingReplicas?: number }).terminatingReplicas).toBe(2);
  });
});
