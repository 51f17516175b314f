/**
 * Grand shift on the real control plane: 1,000 SYNTHETIC workloads (80 % online Deployments 1 → 3
 * replicas, half of them under real autoscaling/v2 HPAs whose minReplicas floor chuanliu raises; 20 %
 * offline Deployments of 4 replicas that give their room back) on kwok nodes, with kube-apiserver,
 * etcd, kube-controller-manager (real HPA, Deployment and ReplicaSet controllers) and kube-scheduler
 * built from Go modules (`npm run control-plane:build`). The real `chuanliu controller` process on a
 * real redis-server follows a plan from the real planner, as the manifests' ServiceAccount.
 *
 * Every figure comes from the real API, not from chuanliu's word: writes accepted from the API
 * server's audit log (stage timestamps of chuanliu's value writes), Ready from the pods' Ready
 * condition transition times, API latency from the audit log too. Pods turn Ready 30 s after they
 * are bound (kwok), offline drain 5 s. Baseline, same run: writes issued one after the other through
 * the same adapter and API. Fails only on ratios (speed-up over the baseline, one write per workload).
 *
 * Run alone: `npx tsx bench/grand-shift-real.ts [--quick] [--workloads N]`; registered as `grand-shift-real`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_RATE_LIMIT, KubernetesCluster } from '../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../src/adapters/kubernetes/kubeconfig.ts';
import type { Forecast } from '../src/domain/forecast.ts';
import type { PlanStep } from '../src/domain/plan.ts';
import type { Inventory, OfflineWorkload, OnlineWorkload } from '../src/domain/workload.ts';
import { emptyObservedState, planCapacity } from '../src/planner/index.ts';
import { startRedis } from '../test/integration/helpers/redis.ts';
import { auditedWrites, CHUANLIU_USER, installChuanliu, startControllerProcess, type AuditEvent } from '../test/real-cluster/harness/chuanliu-on-cluster.ts';
import { startRealCluster, type RealCluster } from '../test/real-cluster/harness/real-cluster.ts';
import type { BenchPart, BenchPartResult } from './part.ts';

const POD_READY_MS = 30_000;
const DRAIN_MS = 5_000;
/** The planner's budget from a step's write to its replicas existing: an HPA floor acts at the HPA's next 15 s sync. */
const APPLY_LATENCY_MS = 25_000;
const WRITES_TARGET_MS = 10_000;
const READY_TARGET_MS = 60_000;
const MIN_SPEEDUP_OVER_SEQUENTIAL = 4;
const BASELINE_WRITES = 100;
const MAX_CONCURRENT_WRITES = 64;
const ONLINE_NAMESPACE = 'shop';
const OFFLINE_NAMESPACE = 'batch';
const MIB = 1024 ** 2;
const REPLICA_CPU_MILLICORES = 500;
const RPS_PER_REPLICA = 100;
const NODE_REPLICAS = 64;

export interface RealGrandShiftFigures {
  readonly workloads: number;
  readonly onlineWithHpa: number;
  readonly controlPlane: string;
  readonly nodes: number;
  readonly valueWrites: number;
  readonly maxValueWritesPerObject: number;
  readonly allWritesAcceptedSeconds: number;
  readonly releasesAcceptedSeconds: number;
  readonly acquiresAcceptedSeconds: number;
  readonly allReadySeconds: number;
  readonly readyBeforePeakSeconds: number;
  readonly writesPerSecond: number;
  readonly baselineWrites: number;
  readonly baselineWritesPerSecond: number;
  readonly speedupOverSequential: number;
  readonly clientQps: number;
  readonly clientBurst: number;
  readonly maxConcurrentWrites: number;
  readonly apiLatencyMeanMs: number;
  readonly apiLatencyP99Ms: number;
  readonly clusterStartupSeconds: number;
  readonly targets: { readonly allWritesAcceptedSeconds: number; readonly allReadySeconds: number; readonly speedupOverSequential: number };
}

const onlineName = (index: number): string => `pay-${String(index).padStart(5, '0')}`;
const offlineName = (index: number): string => `etl-${String(index).padStart(5, '0')}`;

function inventoryOf(workloads: number, nodes: number): Inventory {
  const onlineCount = Math.round(workloads * 0.8);
  const perReplica = { cpuMillicores: REPLICA_CPU_MILLICORES, memoryBytes: 256 * MIB };
  const online: OnlineWorkload[] = Array.from({ length: onlineCount }, (_, index) => ({
    class: 'online', name: onlineName(index), ref: { apiKind: 'Deployment', namespace: ONLINE_NAMESPACE, name: onlineName(index) },
    ...(index % 2 === 0 ? { hpaName: onlineName(index) } : {}),
    rpsPerReplica: RPS_PER_REPLICA, perReplica, startup: { p50Ms: POD_READY_MS, p95Ms: POD_READY_MS },
    minReplicas: 1, maxReplicas: 5, priority: 100, demandQuantile: 0.99,
  }));
  const offline: OfflineWorkload[] = Array.from({ length: workloads - onlineCount }, (_, index) => ({
    class: 'offline', name: offlineName(index), ref: { apiKind: 'Deployment', namespace: OFFLINE_NAMESPACE, name: offlineName(index) },
    priority: 0, minReplicas: 0, maxReplicas: 4, perReplica, drainMs: DRAIN_MS,
  }));
  return { online, offline, nodePools: [{ name: 'general', perNode: { cpuMillicores: NODE_REPLICAS * REPLICA_CPU_MILLICORES, memoryBytes: NODE_REPLICAS * 256 * MIB }, baseNodes: nodes, costPerNodeHour: 1 }] };
}

/** Room for online at 1 and offline at 4, plus half of what online adds at the peak: the other half comes from offline. */
function nodesFor(workloads: number): number {
  const onlineCount = Math.round(workloads * 0.8);
  const replicas = onlineCount + (workloads - onlineCount) * 4 + Math.ceil((onlineCount * 2) / 2);
  return Math.ceil(replicas / NODE_REPLICAS);
}

function objectsOf(inventory: Inventory): object[] {
  const template = (name: string, graceSeconds: number) => ({
    metadata: { labels: { app: name } },
    spec: {
      terminationGracePeriodSeconds: graceSeconds,
      containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10', resources: { requests: { cpu: `${REPLICA_CPU_MILLICORES}m`, memory: '256Mi' } } }],
    },
  });
  const deployment = (namespace: string, name: string, replicas: number, graceSeconds: number) => ({
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace, labels: { app: name } },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: template(name, graceSeconds) },
  });
  return [
    ...inventory.online.map((workload) => deployment(ONLINE_NAMESPACE, workload.name, 1, 0)),
    ...inventory.online.filter((workload) => workload.hpaName !== undefined).map((workload) => ({
      apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: workload.name, namespace: ONLINE_NAMESPACE },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: workload.name }, minReplicas: 1, maxReplicas: workload.maxReplicas,
        metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
      },
    })),
    ...inventory.offline.map((workload) => deployment(OFFLINE_NAMESPACE, workload.name, workload.maxReplicas, Math.round(DRAIN_MS / 1000))),
  ];
}

function configYaml(inventory: Inventory): string {
  const pool = inventory.nodePools[0];
  return stringify({
    planning: { slot: '1s', applyLatency: `${APPLY_LATENCY_MS}ms` },
    forecast: { bucket: '1s' },
    controller: { namespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] },
    nodePools: [{ name: pool?.name, perNode: { cpu: `${pool?.perNode.cpuMillicores}m`, memory: `${NODE_REPLICAS * 256}Mi` }, baseNodes: pool?.baseNodes }],
    online: inventory.online.map((workload) => ({
      name: workload.name, ref: { kind: 'Deployment', namespace: ONLINE_NAMESPACE }, ...(workload.hpaName !== undefined ? { hpa: workload.hpaName } : {}),
      rpsPerReplica: workload.rpsPerReplica, perReplica: { cpu: `${REPLICA_CPU_MILLICORES}m`, memory: '256Mi' },
      startup: { p50: `${POD_READY_MS}ms`, p95: `${POD_READY_MS}ms` }, minReplicas: 1, maxReplicas: workload.maxReplicas,
    })),
    offline: inventory.offline.map((workload) => ({
      name: workload.name, ref: { kind: 'Deployment', namespace: OFFLINE_NAMESPACE }, maxReplicas: workload.maxReplicas,
      perReplica: { cpu: `${REPLICA_CPU_MILLICORES}m`, memory: '256Mi' }, drain: `${DRAIN_MS}ms`,
    })),
  });
}

function planFor(inventory: Inventory, nowMs: number, peakAtMs: number) {
  const slotMs = 1_000;
  const horizonMs = peakAtMs - nowMs + 600_000;
  const buckets = Math.ceil(horizonMs / slotMs) + 1;
  const forecasts = new Map<string, Forecast>();
  for (const workload of inventory.online) {
    const median = Float64Array.from({ length: buckets }, (_, bucket) => ((nowMs + bucket * slotMs >= peakAtMs ? 3 : 1) * RPS_PER_REPLICA * 0.8));
    forecasts.set(workload.name, {
      workload: workload.name, issuedAtMs: nowMs, startMs: nowMs, stepMs: slotMs, unit: 'requests/s', quantiles: [0.5, 0.99],
      bands: [median, Float64Array.from(median, (value) => value * 1.25)], components: [{ kind: 'baseline', name: 'baseline', values: median }],
      model: 'synthetic step (bench fixture)',
    });
  }
  const observed = {
    ...emptyObservedState(),
    workloads: Object.fromEntries([
      ...inventory.online.map((workload) => [workload.name, { desiredReplicas: 1, readyReplicas: 1 }] as const),
      ...inventory.offline.map((workload) => [workload.name, { desiredReplicas: workload.maxReplicas, readyReplicas: workload.maxReplicas }] as const),
    ]),
  };
  return planCapacity({
    nowMs, inventory, forecasts, occurrences: [], observed,
    settings: { slotMs, horizonMs, applyLatencyMs: APPLY_LATENCY_MS, scaleInStabilizationMs: 60_000, planId: 'plan-grand-shift-real' },
  });
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Ready pods per Deployment (by the app label) and when each turned Ready. */
async function podReadiness(cluster: RealCluster, namespace: string): Promise<{ ready: Map<string, number>; readyAtMs: Map<string, number[]> }> {
  const pods = JSON.parse(await cluster.kubectlOk(['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: Json[] };
  const ready = new Map<string, number>();
  const readyAtMs = new Map<string, number[]>();
  for (const pod of pods.items) {
    if (pod['metadata']['deletionTimestamp'] !== undefined) continue;
    const condition = (pod['status']['conditions'] ?? []).find((entry: Json) => entry['type'] === 'Ready' && entry['status'] === 'True');
    if (condition === undefined) continue;
    const app = String(pod['metadata']['labels']?.['app'] ?? '');
    ready.set(app, (ready.get(app) ?? 0) + 1);
    readyAtMs.set(app, [...(readyAtMs.get(app) ?? []), Date.parse(condition['lastTransitionTime'])]);
  }
  return { ready, readyAtMs };
}

async function until(what: string, condition: () => Promise<boolean>, timeoutMs: number, log: (line: string) => void): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastLogMs = Date.now();
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    if (Date.now() - lastLogMs > 15_000) {
      log(`  … still waiting for ${what}`);
      lastLogMs = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
}

function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
}

const isValueWrite = (event: AuditEvent): boolean => event.objectRef?.subresource === 'scale' || event.objectRef?.resource === 'horizontalpodautoscalers';

export async function measureRealGrandShift(options: { workloads: number; log: (line: string) => void }): Promise<RealGrandShiftFigures> {
  const { log } = options;
  const nodes = nodesFor(options.workloads);
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-grand-shift-real-'));
  const cluster = await startRealCluster({
    nodes: { count: nodes, cpu: `${(NODE_REPLICAS * REPLICA_CPU_MILLICORES) / 1000}`, memory: `${NODE_REPLICAS * 256}Mi`, pods: NODE_REPLICAS + 10, labels: { 'chuanliu.io/pool': 'general' } },
    podReadyDelayMs: POD_READY_MS,
  });
  const redis = await startRedis();
  try {
    log(`real control plane ${cluster.version} with ${nodes} kwok nodes started in ${(cluster.startupMs / 1000).toFixed(1)} s`);
    const kubeconfig = await installChuanliu(cluster, { managedNamespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] });
    const inventory = inventoryOf(options.workloads, nodes);
    const objectsPath = join(directory, 'objects.yaml');
    await writeFile(objectsPath, objectsOf(inventory).map((object) => stringify(object)).join('---\n'));
    const createdAt = Date.now();
    await cluster.kubectlOk(['create', '-f', objectsPath]);
    log(`created ${inventory.online.length} online and ${inventory.offline.length} offline Deployments in ${((Date.now() - createdAt) / 1000).toFixed(1)} s; waiting for their first pods (${POD_READY_MS / 1000} s to Ready)`);
    await until('the starting pods Ready', async () => {
      const [online, offline] = await Promise.all([podReadiness(cluster, ONLINE_NAMESPACE), podReadiness(cluster, OFFLINE_NAMESPACE)]);
      return inventory.online.every((workload) => online.ready.get(workload.name) === 1) && inventory.offline.every((workload) => offline.ready.get(workload.name) === 4);
    }, 900_000, log);

    const nowMs = Date.now();
    const peakAtMs = nowMs + 2 * APPLY_LATENCY_MS + DRAIN_MS + POD_READY_MS + 20_000;
    const plan = planFor(inventory, nowMs, peakAtMs);
    const due = (step: PlanStep): boolean => step.effectiveAtMs < peakAtMs;
    const releases = plan.steps.filter((step) => step.direction === 'release' && due(step));
    const acquires = plan.steps.filter((step) => step.direction === 'acquire' && due(step));
    const firstDueMs = Math.min(...[...releases, ...acquires].map((step) => step.effectiveAtMs));
    const acquireDueMs = Math.min(...acquires.map((step) => step.effectiveAtMs));
    log(`plan: ${releases.length} releases due at peak−${((peakAtMs - firstDueMs) / 1000).toFixed(1)} s, ${acquires.length} acquires at peak−${((peakAtMs - acquireDueMs) / 1000).toFixed(1)} s`);

    const controller = await startControllerProcess({
      directory, configYaml: configYaml(inventory), plan, kubeconfigPath: kubeconfig, redisUrl: redis.url,
      extraArgs: ['--log-level', 'warn', '--max-concurrent-writes', String(MAX_CONCURRENT_WRITES)],
    });
    try {
      const expectedWrites = new Set([...releases, ...acquires].map((step) => step.workload)).size;
      await until('every value write accepted', async () => {
        if (controller.process.exited()) throw new Error(`the controller exited:\n${controller.process.output()}`);
        const writes = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch' && isValueWrite(event) && (event.responseStatus?.code ?? 0) < 300);
        return new Set(writes.map((event) => event.objectRef?.name)).size >= expectedWrites;
      }, peakAtMs - Date.now() + 180_000, log);
      let readyAtMs = Number.NaN;
      await until('every online replica Ready', async () => {
        const online = await podReadiness(cluster, ONLINE_NAMESPACE);
        if (!inventory.online.every((workload) => online.ready.get(workload.name) === 3)) return false;
        readyAtMs = Math.max(...[...online.readyAtMs.values()].flat());
        return true;
      }, peakAtMs - Date.now() + 300_000, log);

      const events = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER);
      const valueWrites = events.filter((event) => event.verb === 'patch' && isValueWrite(event) && (event.responseStatus?.code ?? 0) < 300);
      const acceptedAt = (event: AuditEvent): number => Date.parse(event.stageTimestamp);
      const receivedAt = (event: AuditEvent): number => Date.parse(event.requestReceivedTimestamp);
      const releaseWrites = valueWrites.filter((event) => event.objectRef?.namespace === OFFLINE_NAMESPACE);
      const acquireWrites = valueWrites.filter((event) => event.objectRef?.namespace === ONLINE_NAMESPACE);
      const perObject = new Map<string, number>();
      for (const event of valueWrites) perObject.set(`${event.objectRef?.namespace}/${event.objectRef?.name}`, (perObject.get(`${event.objectRef?.namespace}/${event.objectRef?.name}`) ?? 0) + 1);
      const phaseMs = (writes: readonly AuditEvent[]): number => (writes.length === 0 ? 0 : Math.max(...writes.map(acceptedAt)) - Math.min(...writes.map(receivedAt)));
      const latencies = events.map((event) => acceptedAt(event) - receivedAt(event));

      // Baseline: the same kind of writes one after the other through the same adapter and credentials.
      const adapter = new KubernetesCluster({
        kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfig }), clock: { nowMs: () => Date.now(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) },
        workloads: inventory.offline.map((workload) => workload.ref), managedSelector: false, namespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE],
      });
      const baselineTargets = inventory.offline.slice(0, BASELINE_WRITES);
      const baselineStartMs = Date.now();
      for (const [index, workload] of baselineTargets.entries()) {
        const outcome = await adapter.write({ kind: 'replicas', ref: workload.ref, replicas: 1 + (index % 2), provenance: { planId: 'baseline', stepId: 'baseline', reason: 'bench', message: 'sequential baseline', atMs: Date.now() } });
        if (outcome.status === 'failed') throw new Error(`baseline write of ${workload.name} failed: ${outcome.error}`);
      }
      const baselineMs = Date.now() - baselineStartMs;
      adapter.close();

      const writesPerSecond = valueWrites.length / ((phaseMs(releaseWrites) + phaseMs(acquireWrites)) / 1000);
      const baselineWritesPerSecond = baselineTargets.length / (baselineMs / 1000);
      return {
        workloads: options.workloads,
        onlineWithHpa: inventory.online.filter((workload) => workload.hpaName !== undefined).length,
        controlPlane: `kube-apiserver ${cluster.version}`,
        nodes,
        valueWrites: valueWrites.length,
        maxValueWritesPerObject: Math.max(...perObject.values()),
        allWritesAcceptedSeconds: (Math.max(...valueWrites.map(acceptedAt)) - firstDueMs) / 1000,
        releasesAcceptedSeconds: releaseWrites.length > 0 ? (Math.max(...releaseWrites.map(acceptedAt)) - firstDueMs) / 1000 : 0,
        acquiresAcceptedSeconds: (Math.max(...acquireWrites.map(acceptedAt)) - acquireDueMs) / 1000,
        allReadySeconds: (readyAtMs - firstDueMs) / 1000,
        readyBeforePeakSeconds: (peakAtMs - readyAtMs) / 1000,
        writesPerSecond,
        baselineWrites: baselineTargets.length,
        baselineWritesPerSecond,
        speedupOverSequential: writesPerSecond / baselineWritesPerSecond,
        clientQps: DEFAULT_RATE_LIMIT.qps,
        clientBurst: DEFAULT_RATE_LIMIT.burst,
        maxConcurrentWrites: MAX_CONCURRENT_WRITES,
        apiLatencyMeanMs: latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length),
        apiLatencyP99Ms: quantile(latencies, 0.99),
        clusterStartupSeconds: cluster.startupMs / 1000,
        targets: { allWritesAcceptedSeconds: WRITES_TARGET_MS / 1000, allReadySeconds: READY_TARGET_MS / 1000, speedupOverSequential: MIN_SPEEDUP_OVER_SEQUENTIAL },
      };
    } finally {
      await controller.process.stop();
    }
  } finally {
    await redis.stop();
    await cluster.stop();
    await rm(directory, { recursive: true, force: true });
  }
}

export function renderRealGrandShift(figures: RealGrandShiftFigures): string {
  const met = (value: number, target: number): string => (value <= target ? '✅' : '❌');
  const s = (value: number): string => `${value.toFixed(1)} s`;
  return [
    '## Grand shift on the real control plane',
    '',
    `${figures.workloads} SYNTHETIC workloads (${figures.workloads - Math.round(figures.workloads * 0.2)} online Deployments 1 → 3, ${figures.onlineWithHpa} of them under real HPAs; ${Math.round(figures.workloads * 0.2)} offline Deployments giving room back) on ${figures.nodes} kwok nodes; ${figures.controlPlane}, etcd, kube-controller-manager (HPA sync 15 s), kube-scheduler, built from Go modules. The real \`chuanliu controller\` on BullMQ/Redis as the manifests' ServiceAccount; pods Ready ${POD_READY_MS / 1000} s after binding, drain ${DRAIN_MS / 1000} s. Writes from the API server's audit log, Ready from the pods' conditions.`,
    '',
    '| figure | value | target |',
    '| --- | ---: | --- |',
    `| value writes accepted (scale subresource or HPA floor; most per object: ${figures.maxValueWritesPerObject}) | ${figures.valueWrites} | one per workload |`,
    `| first step due → every write accepted (drain wait included) | ${s(figures.allWritesAcceptedSeconds)} | ≤ ${figures.targets.allWritesAcceptedSeconds} s ${met(figures.allWritesAcceptedSeconds, figures.targets.allWritesAcceptedSeconds)} |`,
    `| release steps due → every release accepted | ${s(figures.releasesAcceptedSeconds)} | |`,
    `| acquire steps due → every acquire accepted | ${s(figures.acquiresAcceptedSeconds)} | |`,
    `| first step due → every online replica Ready (HPA sync and ${POD_READY_MS / 1000} s pod start included) | ${s(figures.allReadySeconds)} | ≤ ${figures.targets.allReadySeconds} s ${met(figures.allReadySeconds, figures.targets.allReadySeconds)} |`,
    `| Ready before the planned peak | ${s(figures.readyBeforePeakSeconds)} | > 0 ${figures.readyBeforePeakSeconds > 0 ? '✅' : '❌'} |`,
    `| controller writes/s (release and acquire phases) | ${figures.writesPerSecond.toFixed(0)} | |`,
    `| baseline: ${figures.baselineWrites} writes one at a time, same adapter and API | ${figures.baselineWritesPerSecond.toFixed(1)} writes/s | |`,
    `| speed-up over the sequential baseline | ${figures.speedupOverSequential.toFixed(1)}× | ≥ ${figures.targets.speedupOverSequential}× ${figures.speedupOverSequential >= figures.targets.speedupOverSequential ? '✅' : '❌'} |`,
    `| client side: token bucket ${figures.clientQps} req/s, burst ${figures.clientBurst}; ${figures.maxConcurrentWrites} writes in flight | | |`,
    `| API server time per chuanliu request (audit: received → complete), mean / p99 | ${figures.apiLatencyMeanMs.toFixed(1)} / ${figures.apiLatencyP99Ms.toFixed(1)} ms | |`,
    `| control plane start-up (etcd → every component ready, nodes Ready) | ${s(figures.clusterStartupSeconds)} | |`,
  ].join('\n');
}

export const grandShiftRealBenchPart: BenchPart = {
  id: 'grand-shift-real',
  async run({ quick, log }): Promise<BenchPartResult> {
    const figures = await measureRealGrandShift({ workloads: quick ? 200 : 1_000, log });
    const failures: string[] = [];
    if (figures.speedupOverSequential < MIN_SPEEDUP_OVER_SEQUENTIAL) failures.push(`controller writes only ${figures.speedupOverSequential.toFixed(1)}× faster than one at a time on the real API (target ≥ ${MIN_SPEEDUP_OVER_SEQUENTIAL}×)`);
    if (figures.maxValueWritesPerObject > 1) failures.push(`an object was written ${figures.maxValueWritesPerObject} times in one shift`);
    return { markdown: renderRealGrandShift(figures), failures, figures };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const workloadsIndex = process.argv.indexOf('--workloads');
  const workloads = workloadsIndex > 0 ? Number(process.argv[workloadsIndex + 1]) : process.argv.includes('--quick') ? 200 : 1_000;
  const figures = await measureRealGrandShift({ workloads, log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${renderRealGrandShift(figures)}\n\n${JSON.stringify(figures, null, 2)}\n`);
}
