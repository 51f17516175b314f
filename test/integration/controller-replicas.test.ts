/**
 * Two controller replicas (two processes) on one Redis and one cluster: exactly one leads and
 * applies, the shift is applied once (one scale write per workload in kube-api's request log), and
 * when the leader is killed the standby takes the lease over.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startShiftHarness, waitFor, type ShiftHarness } from './controller-harness.ts';

let harness: ShiftHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function isLeader(metricsUrl: string): Promise<boolean> {
  const text = await (await fetch(`${metricsUrl}/metrics`)).text();
  return /^chuanliu_controller_leader 1$/m.test(text);
}

describe('two chuanliu controller replicas', () => {
  it('never double-apply: one leads, every workload is written once, the standby takes over when the leader dies', async () => {
    harness = await startShiftHarness({
      onlineCount: 8, offlineCount: 4, peakInMs: 14_000, slotMs: 1_000, startupMs: 2_000, drainMs: 1_000, applyLatencyMs: 1_500,
    });
    const [a, b] = await Promise.all([harness.startController({ holder: 'replica-a' }), harness.startController({ holder: 'replica-b' })]);
    for (const replica of [a, b]) {
      await waitFor('/readyz of both replicas', async () => (await fetch(`${replica.metricsUrl}/readyz`).catch(() => undefined))?.status === 200, { process: replica.process });
    }
    const leaders = await Promise.all([isLeader(a.metricsUrl), isLeader(b.metricsUrl)]);
    expect(leaders.filter(Boolean)).toHaveLength(1);

    await waitFor('every online workload Ready at 3', () => harness!.onlineReady(3).size === 8, { timeoutMs: harness.peakAtMs - Date.now() + 5_000 });
    const writes = harness.scaleWrites();
    const names = writes.map((entry) => entry.name);
    expect(names.length).toBe(new Set(names).size);
    expect(Date.now()).toBeLessThanOrEqual(harness.peakAtMs + 5_000);

    // The leader dies; the standby takes the lease within its TTL (2 s) and leads.
    const [leader, standby] = leaders[0] === true ? [a, b] : [b, a];
    leader.process.child.kill('SIGKILL');
    await waitFor('the standby to take over', () => isLeader(standby.metricsUrl), { timeoutMs: 10_000, process: standby.process });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // Taking over re-reconciles the same plan: nothing to write.
    expect(harness.scaleWrites().length).toBe(writes.length);
  });
});
