/**
 * RBAC evaluated by the real authorizer against the shipped manifests' ServiceAccount: chuanliu
 * writes with a token from the TokenRequest API, never as an admin. A kind the Role does not grant
 * (a Role without `patch` on CronJobs) refuses the whole tick before anything is written, naming the
 * request; a namespace without chuanliu's Role holds the tick on the API's 403, naming verb, resource
 * and namespace. In both cases the API server's audit log shows no write by chuanliu at all.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { auditedWrites, CHUANLIU_USER, describeTarget, getObject, installChuanliu, waitUntil } from './harness/chuanliu-on-cluster.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';
import { NODE_CPU, NODE_MEMORY, OFFLINE_NAMESPACE, ONLINE_NAMESPACE, POOL, realShift, type RealShift } from './harness/real-shift.ts';

const run = promisify(execFile);
let cluster: RealCluster;
let directory: string;
let kubeconfig: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-rbac-'));
  cluster = await startRealCluster({ nodes: { count: 4, cpu: NODE_CPU, memory: NODE_MEMORY, labels: { 'chuanliu.io/pool': POOL } }, podReadyDelayMs: 500 });
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] });
  await cluster.kubectlOk(['create', 'namespace', 'ungranted']);
}, 240_000);

afterAll(async () => {
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

/** A shift whose releases are due now (the peak is one apply latency ahead). */
async function shiftDueNow(planId: string): Promise<{ shift: RealShift; configPath: string; planPath: string }> {
  const nowMs = Date.now();
  const shift = realShift({ nowMs, peakAtMs: nowMs + 25_000, applyLatencyMs: 20_000, planId });
  const configPath = join(directory, `${planId}.yaml`);
  const planPath = join(directory, `${planId}.json`);
  await writeFile(configPath, shift.configYaml);
  await writeFile(planPath, encodePlan(shift.plan, 2));
  return { shift, configPath, planPath };
}

async function chuanliuApply(configPath: string, planPath: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', 'apply', '--config', configPath, '--plan', planPath, '--kubeconfig', kubeconfig], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

const chuanliuPatches = () => auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch');

describe('RBAC on the real API, as the manifests\' ServiceAccount', () => {
  it('a kind the Role does not grant refuses the whole tick before any write, naming the request; once granted, the tick goes through', async () => {
    const setup = await shiftDueNow('plan-rbac-setup');
    await cluster.apply(setup.shift.objects());
    await waitUntil('offline Ready', async () => (await getObject(cluster, 'deployment', OFFLINE_NAMESPACE, 'etl'))['status']['readyReplicas'] === 4, { timeoutMs: 60_000, cluster });

    // An install whose Role in batch lost `patch` on CronJobs (a hand edit, an old manifest).
    const role = await getObject(cluster, 'role', OFFLINE_NAMESPACE, 'chuanliu-controller');
    const original = JSON.parse(JSON.stringify(role)) as typeof role;
    role['rules'] = [...role['rules'].map((rule: { resources: string[] }) => ({ ...rule, resources: rule.resources.filter((resource) => resource !== 'cronjobs') })),
      { apiGroups: ['batch'], resources: ['cronjobs'], verbs: ['get', 'list'] }];
    delete role['metadata']['resourceVersion'];
    await cluster.kubectlOk(['replace', '-f', '-'], { input: JSON.stringify(role) });

    const { configPath, planPath } = await shiftDueNow('plan-rbac-kind');
    const refused = await chuanliuApply(configPath, planPath);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stdout + refused.stderr).toContain('not permitted: patch batch/cronjobs batch/nightly');
    expect(await chuanliuPatches()).toEqual([]);
    expect((await getObject(cluster, 'deployment', OFFLINE_NAMESPACE, 'etl'))['spec']['replicas']).toBe(4);

    delete original['metadata']['resourceVersion'];
    await cluster.kubectlOk(['replace', '-f', '-'], { input: JSON.stringify(original) });
    const applied = await chuanliuApply(configPath, planPath);
    expect(applied.code, applied.stdout + applied.stderr).toBe(0);
    expect((await getObject(cluster, 'cronjob', OFFLINE_NAMESPACE, 'nightly'))['spec']['suspend']).toBe(true);
    const patched = (await chuanliuPatches()).map(describeTarget);
    expect(patched).toContain('cronjobs batch/nightly');
    expect(patched).toContain('deployments/scale batch/etl');
  }, 180_000);

  it('a namespace without chuanliu\'s Role holds the tick on the real 403 and names verb, resource and namespace', async () => {
    const { shift, planPath } = await shiftDueNow('plan-rbac-namespace');
    const before = (await chuanliuPatches()).length;
    const configPath = join(directory, 'ungranted.yaml');
    await writeFile(configPath, shift.configYaml
      .replace(`namespaces: [${ONLINE_NAMESPACE}, ${OFFLINE_NAMESPACE}]`, `namespaces: [${ONLINE_NAMESPACE}, ${OFFLINE_NAMESPACE}, ungranted]`)
      .replace('offline:\n', 'offline:\n  - name: stray\n    ref: { kind: Deployment, namespace: ungranted }\n    maxReplicas: 1\n    perReplica: { cpu: 100m, memory: 64Mi }\n'));
    const held = await chuanliuApply(configPath, planPath);
    expect(held.code).toBe(1);
    expect(held.stderr).toMatch(/forbidden.*cannot list resource "deployments" in API group "apps" in the namespace "ungranted"/);
    expect(held.stderr).toContain(CHUANLIU_USER);
    expect((await chuanliuPatches()).length).toBe(before);
  }, 120_000);
});
