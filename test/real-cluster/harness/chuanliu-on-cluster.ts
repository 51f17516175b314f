/**
 * chuanliu installed on a real loopback cluster as an SRE would: the shipped manifests applied with
 * `kubectl apply -k manifests/base` (namespace, ServiceAccount, ClusterRole and Roles, Redis, the
 * controller Deployment), the in-cluster Deployments scaled to zero (kwok nodes run no real
 * containers, and their requests would take the room the tests plan with), then the real
 * `chuanliu controller` process started outside the cluster with a token of the manifests'
 * ServiceAccount from the TokenRequest API — never with the harness's admin identity — so the real
 * RBAC authorizer judges every call it makes.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePlan } from '../../../src/adapters/plan-file.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { freePort } from '../../integration/helpers/free-port.ts';
import { startProcess, type RunningProcess } from '../../integration/helpers/process.ts';
import type { RealCluster } from './real-cluster.ts';

export const CHUANLIU_NAMESPACE = 'chuanliu-system';
export const CHUANLIU_SERVICE_ACCOUNT = 'chuanliu';
export const CHUANLIU_USER = `system:serviceaccount:${CHUANLIU_NAMESPACE}:${CHUANLIU_SERVICE_ACCOUNT}`;

/** The namespaces manifests/base grants chuanliu (managed-namespaces/*): they must exist before it is applied. */
export const BASE_MANAGED_NAMESPACES = ['payments', 'batch'] as const;

/**
 * Applies manifests/base and returns a kubeconfig with the ServiceAccount's token. Namespaces in
 * `managedNamespaces` beyond the base's get the same Role and RoleBinding (as an overlay would add).
 */
export async function installChuanliu(cluster: RealCluster, options: { managedNamespaces: readonly string[] }): Promise<string> {
  for (const namespace of BASE_MANAGED_NAMESPACES) {
    const exists = await cluster.kubectl(['get', 'namespace', namespace]);
    if (exists.code !== 0) await cluster.kubectlOk(['create', 'namespace', namespace]);
  }
  await cluster.kubectlOk(['apply', '-k', fileURLToPath(new URL('../../../manifests/base', import.meta.url))]);
  await cluster.kubectlOk(['scale', 'deployment', '--all', '--replicas=0', '-n', CHUANLIU_NAMESPACE]);
  for (const namespace of options.managedNamespaces) {
    if (!(BASE_MANAGED_NAMESPACES as readonly string[]).includes(namespace)) await grantChuanliu(cluster, namespace);
  }
  const token = await cluster.serviceAccountToken(CHUANLIU_NAMESPACE, CHUANLIU_SERVICE_ACCOUNT);
  return cluster.writeTokenKubeconfig('chuanliu-sa.kubeconfig', token);
}

/** chuanliu's Role and RoleBinding (as manifests/base grants them in batch) in one more namespace, created if missing. */
export async function grantChuanliu(cluster: RealCluster, namespace: string): Promise<void> {
  if ((await cluster.kubectl(['get', 'namespace', namespace])).code !== 0) await cluster.kubectlOk(['create', 'namespace', namespace]);
  for (const kind of ['role', 'rolebinding']) {
    const object = JSON.parse(await cluster.kubectlOk(['get', kind, 'chuanliu-controller', '-n', 'batch', '-o', 'json'])) as { metadata: Record<string, unknown> };
    object.metadata = { name: 'chuanliu-controller', namespace, labels: object.metadata['labels'] };
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(object) });
  }
}

export interface ControllerRun {
  readonly process: RunningProcess;
  readonly metricsUrl: string;
}

/** Spawns `chuanliu controller` following `plan` with the given kubeconfig. */
export async function startControllerProcess(options: {
  readonly directory: string;
  readonly configYaml: string;
  readonly plan: CapacityPlan;
  readonly kubeconfigPath: string;
  readonly redisUrl: string;
  readonly holder?: string;
  readonly extraArgs?: readonly string[];
}): Promise<ControllerRun> {
  const configPath = join(options.directory, `config-${options.plan.id}.yaml`);
  const planPath = join(options.directory, `plan-${options.plan.id}.json`);
  await writeFile(configPath, options.configYaml);
  await writeFile(planPath, encodePlan(options.plan, 2));
  const port = await freePort();
  const child = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller',
    '--config', configPath, '--plan', planPath, '--redis', options.redisUrl, '--kubeconfig', options.kubeconfigPath,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1',
    '--lease-ttl', '2s', '--job-lock', '3s', '--holder', options.holder ?? 'real-cluster',
    ...(options.extraArgs ?? []),
  ]);
  return { process: child, metricsUrl: `http://127.0.0.1:${port}` };
}

/** One line of the API server's audit log (Metadata level). */
export interface AuditEvent {
  readonly verb: string;
  readonly user: { readonly username: string };
  readonly objectRef?: { readonly resource?: string; readonly subresource?: string; readonly namespace?: string; readonly name?: string; readonly apiGroup?: string };
  readonly responseStatus?: { readonly code?: number };
  readonly requestReceivedTimestamp: string;
  readonly stageTimestamp: string;
  readonly stage: string;
}

/** The audited writes (ResponseComplete stage), in the order the API server received them. */
export async function auditedWrites(cluster: RealCluster, filter: (event: AuditEvent) => boolean = () => true): Promise<AuditEvent[]> {
  const text = await readFile(cluster.auditLogPath, 'utf8').catch(() => '');
  return text.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as AuditEvent)
    .filter((event) => event.stage === 'ResponseComplete' && filter(event))
    .sort((a, b) => Date.parse(a.requestReceivedTimestamp) - Date.parse(b.requestReceivedTimestamp));
}

export function describeTarget(event: AuditEvent): string {
  const ref = event.objectRef ?? {};
  return `${ref.resource ?? '?'}${ref.subresource !== undefined ? `/${ref.subresource}` : ''} ${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

/** spec/status of one object as JSON (admin). */
export async function getObject(cluster: RealCluster, kind: string, namespace: string, name: string): Promise<Record<string, any>> { // eslint-disable-line @typescript-eslint/no-explicit-any
  return JSON.parse(await cluster.kubectlOk(['get', kind, name, '-n', namespace, '-o', 'json'])) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export async function waitUntil(what: string, condition: () => Promise<boolean>, options: { timeoutMs: number; process?: RunningProcess; cluster?: RealCluster }): Promise<void> {
  const deadline = performance.now() + options.timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (options.process?.exited()) throw new Error(`${what}: the controller exited:\n${options.process.output()}`);
    if (performance.now() > deadline) {
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${options.process ? `\ncontroller:\n${options.process.output()}` : ''}${options.cluster ? `\n${options.cluster.logs()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
