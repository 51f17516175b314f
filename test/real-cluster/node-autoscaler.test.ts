/**
 * Nodes ready before the peak through a REAL node autoscaler: Karpenter (sigs.k8s.io/karpenter, kwok
 * provider, built from Go modules with the control plane) against the real kube-apiserver, scheduler,
 * controller-manager and kwok. Two identical tainted elastic pools, one online Deployment pinned to
 * each, one peak that needs two more nodes per pool than exist; the real `chuanliu controller` (as the
 * manifests' ServiceAccount) follows chuanliu's plan for both:
 * - burst-pre, pre-provisioned: the plan's placeholder series scales the placeholder Deployment (from
 *   `chuanliu placeholders`) ahead of the peak → placeholder pods Pending → Karpenter creates nodes →
 *   at the online step the placeholders make way (released by the plan in that slot, or preempted) →
 *   every online replica Ready before the planned peak;
 * - burst-late, the same plan without its placeholder series (what a reactive node autoscaler alone
 *   gives): the online pods wait Pending for the nodes Karpenter starts only then → Ready after the peak.
 * Order of events from the real API (audit log, pod/node conditions, Karpenter's NodeClaims), not from
 * chuanliu's own word; absolute seconds are printed, never asserted.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CapacityPlan } from '../../src/domain/plan.ts';
import { startRedis, type RedisServer } from '../integration/helpers/redis.ts';
import { auditedWrites, CHUANLIU_USER, installChuanliu, startControllerProcess, waitUntil } from './harness/chuanliu-on-cluster.ts';
import {
  BURST_TAINT, ELASTIC_NAMESPACE, elasticConfigYaml, elasticShift, NODE_CPU_MILLICORES, NODE_MEMORY_MIB, onlineDeployment, PEAK_REPLICAS, POOL_LABEL, type ElasticLane,
} from './harness/elastic-shift.ts';
import { startKarpenter, type RunningKarpenter } from './harness/karpenter.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';

const execFileAsync = promisify(execFile);
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const POD_READY_SECONDS = 2;
const APPLY_LATENCY_SECONDS = 8;
/**
 * KWOKNodeClass nodeRegistrationDelay: instance boot, as Karpenter's kwok provider models it. Longer than
 * the online lead (apply + startup = 10 s), so without placeholders the nodes cannot be there by the peak.
 */
const NODE_REGISTRATION_DELAY_SECONDS = 20;
/** What the config tells chuanliu about the pools (p95 with room for this 2-core machine under load). */
const PROVISIONING_P95_SECONDS = 60;
const PROVISIONING_P50_SECONDS = 30;
const PLACEHOLDER_NAMESPACE = 'chuanliu-placeholders';
const PRE: ElasticLane = { pool: 'burst-pre', workload: 'checkout-pre', placeholderNamespace: PLACEHOLDER_NAMESPACE, placeholderDeployment: 'placeholder-burst-pre' };
const LATE: ElasticLane = { pool: 'burst-late', workload: 'checkout-late', placeholderNamespace: PLACEHOLDER_NAMESPACE, placeholderDeployment: 'placeholder-burst-late' };

let cluster: RealCluster;
let karpenter: RunningKarpenter | undefined;
let redis: RedisServer;
let directory: string;
let kubeconfig: string;

const logs = (): string => `${cluster.logs()}\n${karpenter?.logs() ?? ''}`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-node-autoscaler-'));
  cluster = await startRealCluster({ nodes: { count: 0 }, podReadyDelayMs: POD_READY_SECONDS * 1_000 });
  process.stderr.write(`real cluster ${cluster.version} started in ${(cluster.startupMs / 1000).toFixed(1)} s\n`);
  // Each pool's base node, as the harness's static kwok nodes; everything beyond comes from Karpenter.
  for (const lane of [PRE, LATE]) {
    await cluster.addNodes({
      namePrefix: `${lane.pool}-base`, count: 1, cpu: `${NODE_CPU_MILLICORES}m`, memory: `${NODE_MEMORY_MIB}Mi`,
      labels: { [POOL_LABEL]: lane.pool }, taints: [BURST_TAINT],
    });
  }
  try {
    karpenter = await startKarpenter(cluster, {
      nodeCpuMillicores: NODE_CPU_MILLICORES,
      nodeMemoryMib: NODE_MEMORY_MIB,
      nodeRegistrationDelaySeconds: NODE_REGISTRATION_DELAY_SECONDS,
      pools: [PRE, LATE].map((lane) => ({ name: lane.pool, labels: { [POOL_LABEL]: lane.pool }, taints: [BURST_TAINT], maxCpu: 4 * (NODE_CPU_MILLICORES / 1000) })),
    });
  } catch (error) {
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${cluster.logs()}`, { cause: error });
  }
  process.stderr.write(`karpenter ${karpenter.version} (kwok provider, instance type ${karpenter.instanceType}) ready in ${(karpenter.startupMs / 1000).toFixed(1)} s\n`);
  redis = await startRedis();
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: [ELASTIC_NAMESPACE] });
}, 300_000);

afterAll(async () => {
  await karpenter?.stop();
  await redis?.stop();
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

async function list(kind: string, args: readonly string[] = []): Promise<Json[]> {
  return (JSON.parse(await cluster.kubectlOk(['get', kind, ...args, '-o', 'json'])) as { items: Json[] }).items;
}

const isTrue = (object: Json, type: string): boolean => (object['status']['conditions'] ?? []).some((condition: Json) => condition['type'] === type && condition['status'] === 'True');
/** Ready and schedulable: no not-ready / unregistered taint left. */
const usableNode = (node: Json): boolean => isTrue(node, 'Ready')
  && !(node['spec']['taints'] ?? []).some((taint: Json) => ['node.kubernetes.io/not-ready', 'karpenter.sh/unregistered'].includes(taint['key']));

/**
 * Timeline of one lane, in local ms (same clock as the API server: both on this machine), as polled: each
 * time is when the state was first seen, so at or after it happened (conservative for "Ready before the peak").
 */
interface Timeline {
  placeholdersPendingAtMs?: number;
  karpenterNodeCreatedAtMs?: number;
  karpenterNodesUsableAtMs?: number;
  onlineAllReadyAtMs?: number;
  karpenterNodes: Set<string>;
  nodesBeforeOnlineWrite?: Set<string>;
}

describe('elastic pools pre-provisioned through Karpenter on the real control plane', () => {
  it('placeholders Pending → Karpenter nodes → online Ready before the peak; without placeholders the same peak is served late', async () => {
    const configOptions = {
      lanes: [PRE, LATE], provisioningP95Seconds: PROVISIONING_P95_SECONDS, provisioningP50Seconds: PROVISIONING_P50_SECONDS,
      startupSeconds: POD_READY_SECONDS, applyLatencySeconds: APPLY_LATENCY_SECONDS,
    };
    const configPath = join(directory, 'config.yaml');
    await writeFile(configPath, elasticConfigYaml(configOptions));
    // The placeholder objects exactly as a user gets them: `chuanliu placeholders --config`.
    const rendered = await execFileAsync(process.execPath, ['bin/chuanliu.js', 'placeholders', '--config', configPath]);
    await cluster.kubectlOk(['apply', '-f', '-'], { input: rendered.stdout });
    await cluster.apply([PRE, LATE].map(onlineDeployment));
    await waitUntil('each online workload at its base replica, Ready on its pool\'s base node', async () => {
      const pods = await list('pods', ['-n', ELASTIC_NAMESPACE]);
      return [PRE, LATE].every((lane) => pods.filter((pod) => pod['metadata']['labels']['app'] === lane.workload && isTrue(pod, 'Ready')).length === 1);
    }, { timeoutMs: 60_000, cluster });

    const nowMs = Date.now();
    const peakAtMs = nowMs + 110_000;
    const shift = elasticShift({ nowMs, peakAtMs, ...configOptions });
    const placeholders = shift.plan.placeholders ?? {};
    expect(Math.max(...(placeholders[PRE.pool] ?? []))).toBe(PEAK_REPLICAS / 2 - 1);
    // burst-late: the same plan without its placeholder series, so only Karpenter's reaction to the
    // online pods themselves brings the nodes.
    const plan: CapacityPlan = { ...shift.plan, placeholders: { [PRE.pool]: placeholders[PRE.pool] as Int32Array } };

    const timelines = new Map<string, Timeline>([[PRE.pool, { karpenterNodes: new Set() }], [LATE.pool, { karpenterNodes: new Set() }]]);
    const controller = await startControllerProcess({ directory, configYaml: shift.configYaml, plan, kubeconfigPath: kubeconfig, redisUrl: redis.url });
    const observe = async (): Promise<void> => {
      const [nodes, onlinePods, placeholderPods] = await Promise.all([list('nodes'), list('pods', ['-n', ELASTIC_NAMESPACE]), list('pods', ['-n', PLACEHOLDER_NAMESPACE])]);
      const at = Date.now();
      for (const lane of [PRE, LATE]) {
        const timeline = timelines.get(lane.pool) as Timeline;
        const poolNodes = nodes.filter((node) => node['metadata']['labels']?.['karpenter.sh/nodepool'] === lane.pool);
        for (const node of poolNodes) timeline.karpenterNodes.add(node['metadata']['name']);
        if (poolNodes.length > 0) timeline.karpenterNodeCreatedAtMs ??= at;
        if (poolNodes.length >= 2 && poolNodes.filter(usableNode).length >= 2) timeline.karpenterNodesUsableAtMs ??= at;
        const pending = placeholderPods.filter((pod) => pod['metadata']['labels']['chuanliu.io/placeholder-for'] === lane.pool && pod['status']['phase'] === 'Pending'
          && (pod['status']['conditions'] ?? []).some((condition: Json) => condition['type'] === 'PodScheduled' && condition['reason'] === 'Unschedulable'));
        if (pending.length > 0) timeline.placeholdersPendingAtMs ??= at;
        const ready = onlinePods.filter((pod) => pod['metadata']['labels']['app'] === lane.workload && pod['metadata']['deletionTimestamp'] === undefined && isTrue(pod, 'Ready'));
        if (ready.length >= PEAK_REPLICAS) timeline.onlineAllReadyAtMs ??= at;
      }
    };
    try {
      await waitUntil('every online replica of both pools Ready', async () => {
        await observe();
        return [...timelines.values()].every((timeline) => timeline.onlineAllReadyAtMs !== undefined);
      }, { timeoutMs: peakAtMs - Date.now() + 150_000, process: controller.process, cluster });
    } catch (error) {
      throw new Error(`${error instanceof Error ? error.message : String(error)}\n${karpenter?.logs() ?? ''}`, { cause: error });
    } finally {
      await controller.process.stop();
    }

    // chuanliu's writes, by the API server's clock (audit log).
    const writes = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch' && (event.responseStatus?.code ?? 0) < 300);
    const firstWriteMs = (namespace: string, name: string): number | undefined => {
      const found = writes.find((event) => event.objectRef?.namespace === namespace && event.objectRef?.name === name);
      return found === undefined ? undefined : Date.parse(found.requestReceivedTimestamp);
    };
    const placeholdersWrittenAtMs = firstWriteMs(PLACEHOLDER_NAMESPACE, PRE.placeholderDeployment);
    const onlineWrittenAtMs = { pre: firstWriteMs(ELASTIC_NAMESPACE, PRE.workload), late: firstWriteMs(ELASTIC_NAMESPACE, LATE.workload) };
    expect(firstWriteMs(PLACEHOLDER_NAMESPACE, LATE.placeholderDeployment), 'no placeholders for burst-late').toBeUndefined();
    const pre = timelines.get(PRE.pool) as Timeline;
    const late = timelines.get(LATE.pool) as Timeline;
    const rel = (ms: number | undefined): string => (ms === undefined ? 'never' : `${((ms - peakAtMs) / 1000).toFixed(1)} s`);
    const since = (from: number | undefined, to: number | undefined): string => (from === undefined || to === undefined ? '?' : `${((to - from) / 1000).toFixed(1)} s`);
    const claims = await list('nodeclaims.karpenter.sh');
    // The API server's own timestamps (whole seconds): Karpenter's decision (NodeClaim), the Node object, the pods' Ready.
    const apiTimes = async (lane: ElasticLane): Promise<{ claimAtMs?: number; nodeAtMs?: number; onlineReadyAtMs?: number }> => {
      const earliest = (objects: Json[]): number | undefined => (objects.length === 0 ? undefined : Math.min(...objects.map((object) => Date.parse(object['metadata']['creationTimestamp']))));
      const readyTimes = (await list('pods', ['-n', ELASTIC_NAMESPACE, '-l', `app=${lane.workload}`])).filter((pod) => isTrue(pod, 'Ready'))
        .map((pod) => Date.parse((pod['status']['conditions'] as Json[]).find((condition) => condition['type'] === 'Ready')?.['lastTransitionTime']));
      return {
        claimAtMs: earliest(claims.filter((claim) => claim['metadata']['labels']?.['karpenter.sh/nodepool'] === lane.pool)),
        nodeAtMs: earliest(await list('nodes', ['-l', `karpenter.sh/nodepool=${lane.pool}`])),
        ...(readyTimes.length >= PEAK_REPLICAS ? { onlineReadyAtMs: Math.max(...readyTimes) } : {}),
      };
    };
    const [preApi, lateApi] = [await apiTimes(PRE), await apiTimes(LATE)];
    const preemptions = (await list('events', ['-n', PLACEHOLDER_NAMESPACE])).filter((event) => event['reason'] === 'Preempted');
    process.stderr.write([
      'node autoscaler (Karpenter kwok provider), relative to the planned peak:',
      `  burst-pre : placeholders written ${rel(placeholdersWrittenAtMs)}, Pending ${rel(pre.placeholdersPendingAtMs)}, first Karpenter node ${rel(pre.karpenterNodeCreatedAtMs)}, 2 nodes Ready+schedulable ${rel(pre.karpenterNodesUsableAtMs)}`
        + ` (placeholders written → nodes usable ${since(placeholdersWrittenAtMs, pre.karpenterNodesUsableAtMs)}), online written ${rel(onlineWrittenAtMs.pre)}, all ${PEAK_REPLICAS} online Ready ${rel(pre.onlineAllReadyAtMs)}`,
      `  burst-late: online written ${rel(onlineWrittenAtMs.late)}, first Karpenter node ${rel(late.karpenterNodeCreatedAtMs)}, 2 nodes usable ${rel(late.karpenterNodesUsableAtMs)}`
        + ` (online written → nodes usable ${since(onlineWrittenAtMs.late, late.karpenterNodesUsableAtMs)}), all ${PEAK_REPLICAS} online Ready ${rel(late.onlineAllReadyAtMs)}`,
      `  API timestamps: burst-pre NodeClaim ${rel(preApi.claimAtMs)}, Node ${rel(preApi.nodeAtMs)}, last online pod Ready ${rel(preApi.onlineReadyAtMs)};`
        + ` burst-late NodeClaim ${rel(lateApi.claimAtMs)}, Node ${rel(lateApi.nodeAtMs)}, last online pod Ready ${rel(lateApi.onlineReadyAtMs)}`,
      `  NodeClaims: ${claims.length}; placeholder pods preempted by the scheduler: ${preemptions.length}`,
      '',
    ].join('\n'));

    // Pre-provisioned: placeholders written → Pending → Karpenter's nodes → online written → online Ready ≤ peak.
    expect(placeholdersWrittenAtMs).toBeDefined();
    expect(pre.placeholdersPendingAtMs, logs()).toBeDefined();
    expect(pre.karpenterNodeCreatedAtMs).toBeGreaterThan(pre.placeholdersPendingAtMs as number);
    expect(pre.karpenterNodesUsableAtMs).toBeLessThan(onlineWrittenAtMs.pre as number);
    expect(pre.onlineAllReadyAtMs, `online Ready ${rel(pre.onlineAllReadyAtMs)} after the peak`).toBeLessThanOrEqual(peakAtMs);
    // The placeholders made way in the online pods' tick (the plan's series is 0 from then on).
    const placeholderDeployment = JSON.parse(await cluster.kubectlOk(['get', 'deployment', PRE.placeholderDeployment, '-n', PLACEHOLDER_NAMESPACE, '-o', 'json'])) as Json;
    expect(placeholderDeployment['spec']['replicas']).toBe(0);
    // The online pods run on the nodes the placeholders brought (no node made for them afterwards).
    const preOnline = (await list('pods', ['-n', ELASTIC_NAMESPACE, '-l', `app=${PRE.workload}`])).filter((pod) => isTrue(pod, 'Ready'));
    const onKarpenterNodes = preOnline.filter((pod) => pre.karpenterNodes.has(pod['spec']['nodeName']));
    expect(onKarpenterNodes.length).toBeGreaterThanOrEqual(PEAK_REPLICAS - 2);
    const preNodes = (await list('nodes', ['-l', `karpenter.sh/nodepool=${PRE.pool}`]));
    const preNodesMadeAfterOnline = preNodes.filter((node) => Date.parse(node['metadata']['creationTimestamp']) > (onlineWrittenAtMs.pre as number) + 1_000);
    expect(preNodesMadeAfterOnline.map((node) => node['metadata']['name'])).toEqual([]);

    // Without pre-provisioning: nodes start only once the online pods are Pending, and Ready comes after the peak.
    expect(late.placeholdersPendingAtMs).toBeUndefined();
    expect(late.karpenterNodeCreatedAtMs).toBeGreaterThan(onlineWrittenAtMs.late as number);
    expect(late.onlineAllReadyAtMs).toBeGreaterThan(peakAtMs);
    expect(late.onlineAllReadyAtMs).toBeGreaterThan(pre.onlineAllReadyAtMs as number);
  }, 600_000);
});
