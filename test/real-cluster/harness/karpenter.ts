/**
 * Karpenter, the node autoscaler of Kubernetes SIG Autoscaling, with its kwok cloud provider, started
 * against a harness cluster (real-cluster.ts) on loopback: the binary and its CRDs come from
 * `npm run control-plane:build` (module sigs.k8s.io/karpenter, command `kwok`, built as karpenter-kwok;
 * CRDs copied from the same module into the cache). It watches Pending pods, creates NodeClaims and,
 * after the KWOKNodeClass's `nodeRegistrationDelay`, Nodes annotated `kwok.x-k8s.io/node: fake`, the
 * annotation the harness's kwok manages: kwok turns them Ready and runs their pods as on any other node.
 *
 * One instance type, sized like the test's pool (Karpenter's kwok provider subtracts 100m CPU / 10Mi
 * kube-reserved from the capacity, added back here so allocatable is the pool's perNode), one on-demand
 * offering; a NodePool per elastic pool with the pool's labels and taints on its nodes. Random free ports
 * for metrics and health (Karpenter binds them on every interface: `:<port>`), leader election off, the
 * log in the cluster's folder and its tail in every failure message, stopped by `stop()`.
 */
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { freePort } from '../../integration/helpers/free-port.ts';
import { ControlPlaneComponent } from './component.ts';
import { controlPlaneBinDir, MissingControlPlaneError, type RealCluster } from './real-cluster.ts';

export const KWOK_NODE_CLASS = 'chuanliu-test';
/** Karpenter's kwok provider adds this to every instance type as kube-reserved. */
const KWOK_RESERVED_CPU_MILLICORES = 100;
const KWOK_RESERVED_MEMORY_MIB = 10;

export interface KarpenterPool {
  /** NodePool name (the chuanliu pool's name). */
  readonly name: string;
  /** Labels Karpenter puts on the pool's nodes (the chuanliu pool's `labels`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly taints?: readonly { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  /** Karpenter's limit on the pool's total CPU (nodes × node CPU). */
  readonly maxCpu: number;
}

export interface KarpenterOptions {
  /** Allocatable of the one instance type. */
  readonly nodeCpuMillicores: number;
  readonly nodeMemoryMib: number;
  /** KWOKNodeClass nodeRegistrationDelay: NodeClaim launched → Node object created (models instance boot). */
  readonly nodeRegistrationDelaySeconds: number;
  readonly pools: readonly KarpenterPool[];
}

export interface RunningKarpenter {
  readonly version: string;
  readonly instanceType: string;
  /** Wall time from the CRDs applied to Karpenter ready. */
  readonly startupMs: number;
  logs(): string;
  stop(): Promise<void>;
}

export function karpenterBinary(): { binary: string; crdDir: string } {
  const binDir = controlPlaneBinDir();
  const binary = join(binDir, 'karpenter-kwok');
  const crdDir = join(binDir, '..', 'karpenter-crds');
  if (!existsSync(binary) || !existsSync(crdDir)) {
    throw new MissingControlPlaneError(`Karpenter (kwok provider) is not built (missing ${existsSync(binary) ? crdDir : binary}); run: npm run control-plane:build`);
  }
  return { binary, crdDir };
}

async function crdVersion(crdDir: string): Promise<string> {
  const marker = (await readdir(crdDir)).find((name) => name.startsWith('v'));
  return marker ?? 'unknown';
}

export async function startKarpenter(cluster: RealCluster, options: KarpenterOptions): Promise<RunningKarpenter> {
  const startedAt = performance.now();
  const { binary, crdDir } = karpenterBinary();
  const version = await crdVersion(crdDir);
  const crdFiles = (await readdir(crdDir)).filter((name) => name.endsWith('.yaml')).sort();
  await cluster.kubectlOk(['apply', '--server-side', ...crdFiles.flatMap((name) => ['-f', join(crdDir, name)])]);
  await cluster.kubectlOk(['wait', '--for', 'condition=Established', '--timeout', '60s', 'crd/nodepools.karpenter.sh', 'crd/nodeclaims.karpenter.sh', 'crd/kwoknodeclasses.karpenter.kwok.sh']);

  const instanceType = `chuanliu-${options.nodeCpuMillicores}m-${options.nodeMemoryMib}mi`;
  const instanceTypesPath = join(cluster.directory, 'karpenter-instance-types.json');
  await writeFile(instanceTypesPath, JSON.stringify([{
    name: instanceType,
    architecture: 'amd64',
    operatingSystems: ['linux'],
    resources: {
      cpu: `${options.nodeCpuMillicores + KWOK_RESERVED_CPU_MILLICORES}m`,
      memory: `${options.nodeMemoryMib + KWOK_RESERVED_MEMORY_MIB}Mi`,
      pods: '110',
      'ephemeral-storage': '20Gi',
    },
    offerings: [{
      Price: 1,
      Available: true,
      Requirements: [
        { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
        { key: 'topology.kubernetes.io/zone', operator: 'In', values: ['test-zone-a'] },
      ],
    }],
  }], null, 2));

  await cluster.apply([
    { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: KWOK_NODE_CLASS }, spec: { nodeRegistrationDelay: `${options.nodeRegistrationDelaySeconds}s` } },
    ...options.pools.map((pool) => ({
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: pool.name },
      spec: {
        template: {
          metadata: { labels: pool.labels },
          spec: {
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: 'In', values: [instanceType] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            ],
            ...(pool.taints !== undefined && pool.taints.length > 0 ? { taints: pool.taints } : {}),
            nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: KWOK_NODE_CLASS },
            expireAfter: 'Never',
          },
        },
        // Nodes stay for the test's length: consolidation is not what it measures.
        disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '10m' },
        limits: { cpu: String(pool.maxCpu) },
      },
    })),
  ]);

  const [metricsPort, healthPort] = [await freePort(), await freePort()];
  const karpenter = new ControlPlaneComponent('karpenter', binary, [
    '--metrics-port', String(metricsPort), '--health-probe-port', String(healthPort),
    '--disable-leader-election', '--instance-types-file-path', instanceTypesPath,
    '--log-level', 'info', '--cpu-requests', '1000',
  ], cluster.directory, { KUBECONFIG: cluster.adminKubeconfigPath });
  karpenter.start();
  const deadline = performance.now() + 90_000;
  for (;;) {
    if (!karpenter.running()) throw new Error(`karpenter ${karpenter.exitReason() ?? 'is not running'} before ready:\n${karpenter.outputTail()}`);
    const ready = await fetch(`http://127.0.0.1:${healthPort}/readyz`).then((response) => response.ok, () => false);
    if (ready) break;
    if (performance.now() > deadline) {
      await karpenter.close();
      throw new Error(`karpenter not ready after 90 s:\n${karpenter.outputTail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    version,
    instanceType,
    startupMs: performance.now() - startedAt,
    logs: () => `--- karpenter (${karpenter.logPath}) ---\n${karpenter.outputTail()}`,
    stop: () => karpenter.close(),
  };
}
