/**
 * The SRE commands as a person runs them (real processes against kube-api over HTTP and a real
 * redis-server): `apply --dry-run` prints the exact writes and changes nothing; releases go
 * first, and acquires for a peak seconds away do not wait behind the drains; `status` shows plan vs live; `reconcile --once` applies
 * what is due under the controller's lease and is idempotent; bad input exits 2 naming the file,
 * field or flag.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShiftHarness, type ShiftHarness } from './controller-harness.ts';

const run = promisify(execFile);
let harness: ShiftHarness;

async function chuanliu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

function clusterArgs(): string[] {
  return ['--config', harness.configPath, '--kubeconfig', harness.kubeconfigPath];
}

beforeAll(async () => {
  // The plan's release and acquire steps are due already (peak 1.5 s away, lead ≈ 3 s).
  harness = await startShiftHarness({ onlineCount: 3, offlineCount: 2, peakInMs: 1_500, slotMs: 1_000, startupMs: 500, drainMs: 1_000, applyLatencyMs: 1_000 });
  // Let the first pods start (0.5 s) so status shows them Ready.
  await new Promise((resolve) => setTimeout(resolve, 1_000));
});
afterAll(async () => {
  await harness?.close();
});

describe('chuanliu apply, status and reconcile --once', () => {
  it('apply --dry-run prints the exact writes (releases first; acquires that fit the free room or are short notice do not wait for drains) and changes nothing', async () => {
    const before = harness.kube.requestLog.lastSeq;
    const { code, stdout, stderr } = await chuanliu('apply', ...clusterArgs(), '--plan', harness.planPath, '--dry-run', '-o', 'json');
    expect(code, stderr).toBe(0);
    const tick = JSON.parse(stdout) as {
      status: string; writes: Array<{ phase: string; workload: string; object: string; change: string; toReplicas: number }>; waits: Array<{ workload: string; blockedBy: string[] }>;
      urgent: Array<{ workload: string; code: string; drains: string[] }>; notYetFree: Array<{ target: string; pods?: number }>;
    };
    expect(tick.status).toBe('dry-run');
    const releases = [...new Set(harness.shift.plan.steps.filter((step) => step.direction === 'release' && step.effectiveAtMs <= Date.now()).map((step) => step.workload))].sort();
    const online = harness.shift.inventory.online.map((workload) => workload.name).sort();
    expect(tick.writes.filter((write) => write.phase === 'release').map((write) => write.workload).sort()).toEqual(releases);
    expect(tick.writes[0]).toMatchObject({ phase: 'release', object: expect.stringMatching(/^Deployment\/batch\/etl-/), change: expect.stringMatching(/^spec\.replicas \(scale\) = \d+$/) });
    // The peak is seconds away (the plan's lead time is already gone): no online acquire waits.
    expect(tick.writes.filter((write) => write.phase === 'acquire').map((write) => write.workload).sort()).toEqual(online);
    expect(tick.waits).toEqual([]);
    // The ones that needed the released room went as short notice, naming the drain they cut short.
    expect(tick.urgent.length).toBeGreaterThan(0);
    for (const urgent of tick.urgent) expect(urgent).toMatchObject({ code: 'short-notice', drains: expect.arrayContaining([expect.stringMatching(/^etl-/)]) });
    // The released offline pods still run: not counted as freed.
    expect(tick.notYetFree.map((held) => held.target).sort()).toEqual(releases);
    // Asking the authorizer whether the writes would be allowed (a SelfSubjectAccessReview POST) changes nothing.
    const writes = harness.kube.requestLog.list({ sinceSeq: before })
      .filter((entry) => entry.verb !== 'get' && entry.verb !== 'list' && entry.resource !== 'selfsubjectaccessreviews');
    expect(writes).toEqual([]);
    expect(harness.kube.requestLog.list({ sinceSeq: before, verb: 'create' }).map((entry) => entry.resource)).toContain('selfsubjectaccessreviews');

    const table = await chuanliu('apply', ...clusterArgs(), '--plan', harness.planPath, '--dry-run');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^dry-run \(nothing changed\)/);
    expect(table.stdout).toMatch(/1\s+release\s+etl-\d+\s+Deployment\/batch\/etl-\d+\s+spec\.replicas \(scale\) = \d+\s+4\s+dry-run/);
    expect(table.stdout).toMatch(/urgent \(short-notice\): pay-\d+ 1→3 does not wait for etl-\d+ to drain/);
    expect(table.stdout).toMatch(/not yet free: etl-\d+: released, \d+ pods? still running or terminating holds? its room; counted free only once they are gone/);
  });

  it('status shows the plan against the live cluster: drift per workload and the next steps', async () => {
    const { code, stdout, stderr } = await chuanliu('status', ...clusterArgs(), '--plan', harness.planPath, '-o', 'json');
    expect(code, stderr).toBe(0);
    const report = JSON.parse(stdout) as { planId: string; drifted: number; workloads: Array<{ workload: string; planReplicas: number; controlledReplicas: number; drift: number; readyReplicas: number }>; nextSteps: unknown[] };
    expect(report.planId).toBe(harness.shift.plan.id);
    const pay = report.workloads.find((workload) => workload.workload === 'pay-0000');
    expect(pay).toMatchObject({ planReplicas: 3, controlledReplicas: 1, drift: -2, readyReplicas: 1 });
    expect(report.drifted).toBeGreaterThanOrEqual(3);
    expect(report.nextSteps.length).toBeGreaterThan(0);
    const table = await chuanliu('status', ...clusterArgs(), '--plan', harness.planPath);
    expect(table.stdout).toMatch(/workload\(s\) off the plan/);
    expect(table.stdout).toMatch(/pay-0000\s+online\s+3\s+1\s+1\s+-2/);
  });

  it('reconcile --once applies what is due under the lease (short-notice acquires with the releases) and is idempotent', async () => {
    const first = await chuanliu('reconcile', '--once', ...clusterArgs(), '--plan', harness.planPath, '--redis', harness.redis.url, '-o', 'json');
    expect(first.code, first.stderr).toBe(0);
    const tick = JSON.parse(first.stdout) as { status: string; writes: Array<{ phase: string; outcome: { status: string } }> };
    expect(tick.status).toBe('done');
    expect(tick.writes.every((write) => write.outcome.status === 'applied')).toBe(true);
    const phases = tick.writes.map((write) => write.phase);
    expect(phases).toEqual([...phases.filter((phase) => phase === 'release'), ...phases.filter((phase) => phase === 'acquire')]);
    expect(phases.filter((phase) => phase === 'acquire')).toEqual(['acquire', 'acquire', 'acquire']);
    const redis = new Redis(harness.redis.url);
    try {
      expect(await redis.get('chuanliu:leader')).toBeNull();
      expect(await redis.exists('chuanliu:state:plan')).toBe(1);
    } finally {
      redis.disconnect();
    }
    // After the 1 s drain, apply with the shared Redis history finds everything at its level.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const second = await chuanliu('apply', ...clusterArgs(), '--plan', harness.planPath, '--redis', harness.redis.url, '-o', 'json');
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as { writes: unknown[] }).writes).toEqual([]);
    // Once more: everything is at its level, nothing written.
    const third = await chuanliu('reconcile', '--once', ...clusterArgs(), '--redis', harness.redis.url, '-o', 'json');
    expect(third.code, third.stderr).toBe(0);
    expect((JSON.parse(third.stdout) as { writes: unknown[] }).writes).toEqual([]);
    const names = harness.scaleWrites().map((entry) => entry.name);
    expect(names.length).toBe(new Set(names).size);
  });

  it.each([
    { name: 'a bad plan file', args: () => ['apply', ...clusterArgs(), '--plan', join(harness.directory, 'bad-plan.json')], message: /bad-plan\.json, line \d+, field slotMs: expected a number > 0, got 0/ },
    { name: 'a plan naming workloads the config lacks', args: () => ['apply', ...clusterArgs(), '--plan', join(harness.directory, 'foreign-plan.json')], message: /foreign-plan\.json, field replicas\.ghost: the plan names workloads the config does not have: ghost/ },
    { name: 'a missing plan file', args: () => ['status', ...clusterArgs(), '--plan', join(harness.directory, 'nope.json')], message: /nope\.json: cannot read the plan file: no such file/ },
    { name: 'reconcile without --once', args: () => ['reconcile', ...clusterArgs(), '--redis', harness.redis.url], message: /--once: only `--once` is supported/ },
    { name: 'a Redis URL that is not one', args: () => ['controller', ...clusterArgs(), '--redis', 'http://localhost:6379'], message: /--redis: expected a redis:\/\/ or rediss:\/\/ URL, got http:/ },
    { name: 'a planning period that is neither duration nor cron', args: () => ['controller', ...clusterArgs(), '--redis', harness.redis.url, '--plan-every', 'often'], message: /--plan-every: "often" is neither a duration/ },
    { name: 'an unknown output format', args: () => ['status', ...clusterArgs(), '--plan', harness.planPath, '-o', 'yaml'], message: /--output: "yaml" is not one of table, json/ },
  ])('exits 2 on $name', async ({ args, message }) => {
    const planText = JSON.parse(await (await import('node:fs/promises')).readFile(harness.planPath, 'utf8')) as Record<string, unknown>;
    await writeFile(join(harness.directory, 'bad-plan.json'), JSON.stringify({ ...planText, slotMs: 0 }, undefined, 2));
    await writeFile(join(harness.directory, 'foreign-plan.json'), JSON.stringify({ ...planText, replicas: { ...(planText['replicas'] as object), ghost: new Array(planText['slotCount']).fill(1) } }, undefined, 2));
    const { code, stderr } = await chuanliu(...args());
    expect(code, stderr).toBe(2);
    expect(stderr).toMatch(message);
  });
});
