/**
 * The whole path, end to end: the real `chuanliu controller` process on a real redis-server,
 * writing to kube-api over HTTP, follows a plan made by the real planner for a synthetic peak a few
 * seconds ahead. Every online workload must be at its target and Ready before the peak, offline
 * released first (order read from kube-api's request log), each workload written once, and the
 * process must stop cleanly on SIGTERM, releasing its lease.
 */
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { exitCodeAfterTerm, startShiftHarness, waitFor, type ShiftHarness } from './controller-harness.ts';

let harness: ShiftHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

describe('chuanliu controller end to end (process + redis-server + kube-api over HTTP)', () => {
  it('has every online workload at its target and Ready before the planned peak, offline released first', async () => {
    harness = await startShiftHarness({
      onlineCount: 5, offlineCount: 3, peakInMs: 14_000, slotMs: 1_000, startupMs: 2_000, drainMs: 1_000, applyLatencyMs: 1_500,
    });
    const { shift, peakAtMs } = harness;
    const releases = shift.plan.steps.filter((step) => step.direction === 'release' && step.effectiveAtMs < peakAtMs);
    const acquires = shift.plan.steps.filter((step) => step.direction === 'acquire' && step.readyByMs <= peakAtMs);
    // The synthetic shift needs offline's room: the plan releases before it acquires.
    expect(releases.length).toBeGreaterThan(0);
    expect(acquires.length).toBe(5);
    expect(Math.max(...releases.map((step) => step.effectiveAtMs))).toBeLessThan(Math.min(...acquires.map((step) => step.effectiveAtMs)));

    const { process: controller, metricsUrl } = await harness.startController();
    await waitFor('/readyz', async () => (await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200, { process: controller });

    let allReadyAtMs: number | undefined;
    await waitFor('every online workload Ready at 3', () => {
      if (harness?.onlineReady(3).size === 5) allReadyAtMs ??= Date.now();
      return allReadyAtMs !== undefined;
    }, { timeoutMs: peakAtMs - Date.now() + 5_000, process: controller });
    process.stderr.write(`e2e: every online workload Ready ${((peakAtMs - (allReadyAtMs ?? 0)) / 1000).toFixed(2)} s before the peak\n`);
    expect(allReadyAtMs, `Ready ${((allReadyAtMs ?? 0) - peakAtMs) / 1000}s relative to the peak`).toBeLessThanOrEqual(peakAtMs);

    // Order and uniqueness from the request log: releases (namespace batch) strictly before acquires (shop).
    const writes = harness.scaleWrites();
    const offlineWrites = writes.filter((entry) => entry.namespace === 'batch');
    const onlineWrites = writes.filter((entry) => entry.namespace === 'shop');
    expect(offlineWrites.map((entry) => entry.name).sort()).toEqual([...new Set(releases.map((step) => step.workload))].sort());
    expect(onlineWrites.map((entry) => entry.name).sort()).toEqual(shift.inventory.online.map((workload) => workload.name).sort());
    expect(Math.max(...offlineWrites.map((entry) => entry.seq))).toBeLessThan(Math.min(...onlineWrites.map((entry) => entry.seq)));
    // No online write before the offline capacity was released (drain of 1 s honoured).
    expect(Math.min(...onlineWrites.map((entry) => entry.atMs)) - Math.max(...offlineWrites.map((entry) => entry.atMs))).toBeGreaterThanOrEqual(900);

    // The controller's own metrics tell the same story.
    const metrics = await (await fetch(`${metricsUrl}/metrics`)).text();
    expect(metrics).toMatch(/^chuanliu_controller_leader 1$/m);
    expect(metrics).toMatch(/^chuanliu_writes_total\{phase="acquire",outcome="applied"\} 5$/m);
    expect(metrics).toMatch(/^chuanliu_apply_latency_seconds_count\{phase="release"\} [1-9]/m);
    expect(metrics).toMatch(new RegExp(`^chuanliu_plan_info\\{plan_id="${shift.plan.id}"\\} 1$`, 'm'));
    expect(metrics).not.toMatch(/redis:\/\//);

    // Graceful shutdown: exit 0, the leader lease released for the next replica.
    expect(await exitCodeAfterTerm(controller)).toBe(0);
    const redis = new Redis(harness.redis.url);
    try {
      expect(await redis.get('chuanliu:leader')).toBeNull();
      expect(await redis.llen(`chuanliu:applied:${shift.plan.id}:records`)).toBeGreaterThanOrEqual(releases.length + 5);
    } finally {
      redis.disconnect();
    }
  });
});
