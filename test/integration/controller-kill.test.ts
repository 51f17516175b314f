/**
 * kill -9 of the controller in the middle of a shift, then a restart: the shift completes, the
 * request log shows no workload written twice (no step applied twice), and nothing is lost: every
 * release and every acquire of the plan is in place. The API is slowed (injected latency) and the
 * controller limited to two writes in flight, so the kill lands inside the acquire phase.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { startShiftHarness, waitFor, type ShiftHarness } from './controller-harness.ts';

let harness: ShiftHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('chuanliu controller killed with SIGKILL mid-shift', () => {
  it('completes the shift after a restart with no step applied twice and nothing lost', async () => {
    const onlineCount = 30;
    harness = await startShiftHarness({
      onlineCount, offlineCount: 12, peakInMs: 16_000, slotMs: 1_000, startupMs: 2_000, drainMs: 1_000, applyLatencyMs: 1_500,
    });
    const kube = harness.kube;
    kube.faults.setRules([{ name: 'slow API', match: { resources: ['deployments'] }, latencyMs: 40 }]);
    const slowWrites = ['--max-concurrent-writes', '2'];

    const first = await harness.startController({ holder: 'first', extraArgs: slowWrites });
    await waitFor('some online writes (mid acquire phase)', () => harness!.scaleWrites().filter((entry) => entry.namespace === 'shop').length >= 6, { timeoutMs: 25_000, process: first.process });
    first.process.child.kill('SIGKILL');
    await new Promise<void>((resolve) => first.process.child.once('exit', () => resolve()));
    const writtenBeforeKill = harness.scaleWrites().filter((entry) => entry.namespace === 'shop').length;
    expect(writtenBeforeKill).toBeLessThan(onlineCount);

    const second = await harness.startController({ holder: 'second', extraArgs: slowWrites });
    let completedAtMs: number | undefined;
    await waitFor('every online workload Ready at 3 after the restart', () => {
      if (harness!.onlineReady(3).size === onlineCount) completedAtMs = Date.now();
      return completedAtMs !== undefined;
    }, { timeoutMs: 30_000, process: second.process });
    process.stderr.write(`kill -9: ${writtenBeforeKill}/${onlineCount} online writes before the kill; shift complete ${(((completedAtMs ?? 0) - harness.peakAtMs) / 1000).toFixed(2)} s after the peak\n`);

    // Let the dead leader's stalled job come back and run: it must change nothing.
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const writes = harness.scaleWrites();
    const timesWritten = new Map<string, number>();
    for (const entry of writes) timesWritten.set(entry.name ?? '', (timesWritten.get(entry.name ?? '') ?? 0) + 1);
    expect([...timesWritten].filter(([, times]) => times > 1)).toEqual([]);

    // Nothing lost: every release and acquire due by the peak is in place in the cluster.
    const dueByPeak = harness.shift.plan.steps.filter((step) => step.effectiveAtMs <= harness!.peakAtMs);
    for (const step of dueByPeak) expect(timesWritten.get(step.workload), step.workload).toBe(1);
    expect(harness.onlineReady(3).size).toBe(onlineCount);
    // Releases before acquires, across the two processes.
    const lastRelease = Math.max(...writes.filter((entry) => entry.namespace === 'batch').map((entry) => entry.seq));
    const firstAcquire = Math.min(...writes.filter((entry) => entry.namespace === 'shop').map((entry) => entry.seq));
    expect(lastRelease).toBeLessThan(firstAcquire);

    // The applied-steps store in Redis: every step due by the peak recorded, none twice.
    const redis = new Redis(harness.redis.url);
    try {
      const records = (await redis.lrange(`chuanliu:applied:${harness.shift.plan.id}:records`, 0, -1)).map((text) => JSON.parse(text) as { stepId: string });
      const ids = records.map((record) => record.stepId);
      expect(new Set(ids).size).toBe(ids.length);
      for (const step of dueByPeak) expect(ids).toContain(step.id);
    } finally {
      redis.disconnect();
    }
  });
});
