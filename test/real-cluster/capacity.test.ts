/**
 * Pods that do not fit, on the real scheduler. The plan counts four kwok nodes; then the cluster
 * changes under it:
 * - one node cordoned: chuanliu sees the pool a node short and asks for the node (a pool write, which
 *   fails without a placeholder Deployment), raises online anyway, and reports the pods the real
 *   scheduler cannot place as capacity not delivered, exit 1;
 * - one node tainted (it still counts as capacity, but the scheduler will not use it): chuanliu
 *   writes, the real scheduler leaves pods Pending, and both `apply` and `status` report them as
 *   capacity not delivered — with the scheduler's own message — instead of as success.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { getObject, grantChuanliu, installChuanliu, waitUntil } from './harness/chuanliu-on-cluster.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY, POOL, realShift, type RealShift } from './harness/real-shift.ts';

const run = promisify(execFile);
let cluster: RealCluster;
let directory: string;
let kubeconfig: string;
let nodes: string[];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-capacity-'));
  cluster = await startRealCluster({ nodes: { count: 0 }, podReadyDelayMs: 500 });
  nodes = await cluster.addNodes({ count: 4, cpu: NODE_CPU, memory: NODE_MEMORY, labels: { 'chuanliu.io/pool': POOL } });
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: [] });
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

async function chuanliu(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', ...args, '--kubeconfig', kubeconfig], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/**
 * A shift in its own namespaces at its starting levels (all four nodes in use), then `change` to the
 * cluster, then the plan: releases due now, acquires seconds later.
 */
async function shiftDueNow(tag: string, change: () => Promise<void>): Promise<{ shift: RealShift; configPath: string; planPath: string }> {
  const onlineNamespace = `payments-${tag}`;
  const offlineNamespace = `batch-${tag}`;
  await grantChuanliu(cluster, onlineNamespace);
  await grantChuanliu(cluster, offlineNamespace);
  const options = { applyLatencyMs: 3_000, startupMs: 500, drainMs: 1_000, onlineNamespace, offlineNamespace, planId: `plan-${tag}` };
  await cluster.apply(realShift({ nowMs: Date.now(), peakAtMs: Date.now() + 8_000, ...options }).objects());
  await waitUntil(`${tag}: offline Ready`, async () => (await getObject(cluster, 'deployment', offlineNamespace, 'etl'))['status']['readyReplicas'] === 4, { timeoutMs: 60_000, cluster });
  await change();
  const nowMs = Date.now();
  const shift = realShift({ nowMs, peakAtMs: nowMs + 8_000, ...options });
  const configPath = join(directory, `${tag}.yaml`);
  const planPath = join(directory, `${tag}.json`);
  await writeFile(configPath, shift.configYaml);
  await writeFile(planPath, encodePlan(shift.plan, 2));
  return { shift, configPath, planPath };
}

async function removeShift(shift: RealShift): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', shift.onlineNamespace, shift.offlineNamespace, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
}

describe('capacity the cluster cannot deliver', () => {
  it('a cordoned node: the pool is a node short; the node is asked for, and Pending pods are reported as not delivered, never as success', async () => {
    const { shift, configPath, planPath } = await shiftDueNow('cordoned', async () => {
      await cluster.kubectlOk(['cordon', nodes[3] as string]);
    });
    try {
      let tick = { code: -1, stdout: '', stderr: '' };
      await waitUntil('online raised and its missing room reported', async () => {
        tick = await chuanliu(['apply', '--config', configPath, '--plan', planPath]);
        return (await getObject(cluster, 'deployment', shift.onlineNamespace, 'checkout'))['spec']['replicas'] === 4 && /capacity not delivered/.test(tick.stderr);
      }, { timeoutMs: 90_000, cluster });
      // Exit 1: the pool's missing node could not be asked for (no placeholder configured), and the
      // capacity written is not all there; the scheduler says why.
      expect(tick.code).toBe(1);
      expect(tick.stdout).toMatch(/node pool general\s+nodes = 4\s+3\s+failed: pool "general" has no capacity placeholder/);
      expect(tick.stderr).toMatch(/capacity not delivered: .*Pending \(0\/4 nodes are available: 1 node\(s\) were unschedulable/);
      const status = await chuanliu(['status', '--config', configPath, '--plan', planPath]);
      expect(status.stdout).toMatch(/workload\(s\) with capacity not delivered/);
    } finally {
      await cluster.kubectlOk(['uncordon', nodes[3] as string]);
      await removeShift(shift);
    }
  }, 240_000);

  it('a tainted node: Pending pods are reported as capacity not delivered, with the real scheduler\'s reason', async () => {
    const { shift, configPath, planPath } = await shiftDueNow('tainted', async () => {
      await cluster.kubectlOk(['taint', 'node', nodes[3] as string, 'example.com/maintenance=true:NoSchedule']);
    });
    try {
      let last = { code: -1, stdout: '', stderr: '' };
      await waitUntil('online raised to the peak level', async () => {
        last = await chuanliu(['apply', '--config', configPath, '--plan', planPath]);
        const online = await Promise.all(['checkout', 'pay-hpa-0'].map(async (name) => getObject(cluster, name === 'checkout' ? 'deployment' : 'hpa', shift.onlineNamespace, name)));
        return online[0]?.['spec']['replicas'] === 4 && online[1]?.['spec']['minReplicas'] === 4;
      }, { timeoutMs: 90_000, cluster });
      // Four nodes of room were planned, three can be used: some online pods stay Pending.
      await waitUntil('the scheduler gives up on some pods', async () => {
        const status = await chuanliu(['status', '--config', configPath, '--plan', planPath, '-o', 'json']);
        return (JSON.parse(status.stdout) as { undelivered: number }).undelivered > 0;
      }, { timeoutMs: 90_000, cluster });
      const status = await chuanliu(['status', '--config', configPath, '--plan', planPath]);
      expect(status.stdout).toMatch(/workload\(s\) with capacity not delivered/);
      expect(status.stdout).toMatch(/\d+ Pending — 0\/4 nodes are available: .*1 node\(s\) had untolerated taint/);
      const tick = await chuanliu(['apply', '--config', configPath, '--plan', planPath]);
      expect(tick.stdout + tick.stderr).toMatch(/capacity not delivered: .* Pending \(0\/4 nodes are available/);
      expect(last.code).toBeGreaterThanOrEqual(0);
    } finally {
      await cluster.kubectlOk(['taint', 'node', nodes[3] as string, 'example.com/maintenance=true:NoSchedule-']);
      await removeShift(shift);
    }
  }, 300_000);
});
