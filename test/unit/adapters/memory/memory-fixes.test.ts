/**
 * Fixes made while wiring the chuanliu strategy into the simulator:
 * - MemoryCluster finds a workload by its Kubernetes object (kind/namespace/name), which may differ
 *   from the inventory name (payment → Deployment payments/payment-api);
 * - an aborted ManualClock sleep is forgotten, and the in-process queue ends the sleep of every park
 *   it leaves, so re-planning (thousands of schedules) leaves no stale sleepers behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { InProcessQueue, advanceQueueClock } from '../../../../src/adapters/memory/in-process-queue.ts';
import { ManualClock } from '../../../../src/adapters/memory/manual-clock.ts';
import { MemoryCluster } from '../../../../src/adapters/memory/memory-cluster.ts';
import type { WriteProvenance } from '../../../../src/ports/cluster.ts';
import { offlineWorkload, onlineWorkload, pool } from './fixtures.ts';

const provenance: WriteProvenance = { planId: 'p', stepId: 's', reason: 'forecast-increase', message: 'test', atMs: 0 };

describe('MemoryCluster writes by object reference', () => {
  const payment = onlineWorkload({ name: 'payment', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'payment-api' } });
  const training = offlineWorkload({ name: 'training', ref: { apiKind: 'Job', namespace: 'batch', name: 'ranking-model-training' } });
  const cluster = (): MemoryCluster => new MemoryCluster({
    startMs: 0, seed: 1, nodePools: [pool()],
    workloads: [{ workload: payment, initialReplicas: 2 }, { workload: training, initialReplicas: 3 }],
  }, new ManualClock(0));

  it.each([
    { name: 'a Deployment named unlike its workload', write: { kind: 'replicas', ref: payment.ref, replicas: 5, provenance } as const, workload: 'payment', expected: 5 },
    { name: 'a Job named unlike its workload', write: { kind: 'job-parallelism', ref: training.ref, parallelism: 1, provenance } as const, workload: 'training', expected: 1 },
  ])('writes $name', async ({ write, workload, expected }) => {
    const memory = cluster();
    expect(await memory.write(write)).toEqual({ status: 'applied' });
    expect(memory.simulation.desired[memory.simulation.requireWorkloadIndex(workload)]).toBe(expected);
  });

  it.each([
    { name: 'the workload name instead of the object name', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'payment' } as const },
    { name: 'another namespace', ref: { apiKind: 'Deployment', namespace: 'other', name: 'payment-api' } as const },
    { name: 'another kind', ref: { apiKind: 'StatefulSet', namespace: 'payments', name: 'payment-api' } as const },
  ])('does not find $name', async ({ ref }) => {
    const outcome = await cluster().write({ kind: 'replicas', ref, replicas: 5, provenance });
    expect(outcome).toMatchObject({ status: 'failed', retryable: false });
  });
});

describe('ManualClock sleep with an abort signal', () => {
  it('forgets an aborted sleeper and resolves it at once', async () => {
    const clock = new ManualClock(0);
    const controller = new AbortController();
    let woke = false;
    const sleeping = clock.sleep(1_000, { signal: controller.signal }).then(() => { woke = true; });
    expect(clock.pendingSleeps()).toBe(1);
    controller.abort();
    await sleeping;
    expect(woke).toBe(true);
    expect(clock.pendingSleeps()).toBe(0);
  });

  it('resolves at once for a signal already aborted, and normally for one never aborted', async () => {
    const clock = new ManualClock(0);
    const aborted = new AbortController();
    aborted.abort();
    await clock.sleep(1_000, { signal: aborted.signal });
    expect(clock.pendingSleeps()).toBe(0);
    const never = new AbortController();
    const woke: number[] = [];
    void clock.sleep(500, { signal: never.signal }).then(() => woke.push(clock.nowMs()));
    await clock.advance(499);
    expect(woke).toEqual([]);
    await clock.advance(1);
    expect(woke).toEqual([500]);
  });

  it('keeps time order and insertion order for equal times among many sleepers', async () => {
    const clock = new ManualClock(0);
    const woke: string[] = [];
    for (const [name, ms] of [['c', 30], ['a', 10], ['b1', 20], ['b2', 20], ['d', 40]] as const) {
      void clock.sleep(ms).then(() => woke.push(name));
    }
    await clock.advance(100);
    expect(woke).toEqual(['a', 'b1', 'b2', 'c', 'd']);
  });
});

describe('InProcessQueue on a ManualClock', () => {
  const queues: InProcessQueue<string>[] = [];
  afterEach(async () => {
    await Promise.all(queues.splice(0).map((queue) => queue.close()));
  });

  it('leaves one sleeper however many jobs were scheduled, and still runs each at its time', async () => {
    const clock = new ManualClock(0);
    const queue = new InProcessQueue<string>({ clock });
    queues.push(queue);
    const ran: string[] = [];
    queue.process(async (job) => { ran.push(`${job.id}@${clock.nowMs()}`); });
    for (let index = 200; index >= 1; index -= 1) await queue.schedule({ id: `job-${index}`, runAtMs: index * 1_000, payload: '' });
    await queue.idle();
    expect(clock.pendingSleeps()).toBe(1);
    await advanceQueueClock({ clock, queue, toMs: 3_000 });
    expect(ran).toEqual(['job-1@1000', 'job-2@2000', 'job-3@3000']);
    expect(clock.pendingSleeps()).toBe(1);
  });

  it('frees its sleeper on close', async () => {
    const clock = new ManualClock(0);
    const queue = new InProcessQueue<string>({ clock });
    queue.process(async () => {});
    await queue.schedule({ id: 'later', runAtMs: 60_000, payload: '' });
    await queue.idle();
    expect(clock.pendingSleeps()).toBe(1);
    await queue.close();
    expect(clock.pendingSleeps()).toBe(0);
  });
});
