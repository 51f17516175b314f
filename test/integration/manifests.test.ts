/**
 * manifests/ as a cluster would get them: rendered with the real `kubectl kustomize` (base and the
 * CronJob overlay), parsed, and held to chuanliu's security rules:
 * - RBAC: no wildcards, no cluster-admin (or any built-in ClusterRole), no Secrets, no escalation
 *   verbs; the one ClusterRole only reads Nodes; Roles only in the namespaces the config manages,
 *   granting exactly the adapter's REQUIRED permissions (src/adapters/kubernetes/required-permissions.ts);
 * - pods: non-root, read-only root filesystem, no privilege escalation, ALL capabilities dropped,
 *   seccomp RuntimeDefault, resources set, probes on long-running containers, pinned images, the
 *   service account token only where the API is used, /tmp the only writable path of the controller;
 * - wiring: the controller's flags point at the mounted config, the Redis Service and the probed
 *   metrics port; the shipped config and calendar load with the real loaders; the Grafana dashboard
 *   queries only metrics the controller exports.
 * And the cross-check that keeps the RBAC honest: the real Kubernetes adapter runs a snapshot and
 * every kind of write against kube-api over HTTP, and every request it sends must be allowed by the
 * rendered RBAC (evaluated here as the API server would) and listed in REQUIRED permissions.
 *
 * kubectl is required: the test fails (never skips) without it.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { createLogger } from '../../src/adapters/logger.ts';
import { controllerEventsFor } from '../../src/cli/controller-events.ts';
import { objectRefOf } from '../../src/controller/tick-events.ts';
import { CLUSTER_PERMISSIONS, CONTROLLER_NAMESPACE_PERMISSIONS, CONTROLS_CONFIGMAP_NAME, NAMESPACED_PERMISSIONS, permissionKey, type ApiPermission } from '../../src/adapters/kubernetes/required-permissions.ts';
import { ControllerMetrics } from '../../src/adapters/metrics/controller-metrics.ts';
import { loadCalendarFile } from '../../src/calendar/load-calendar.ts';
import { clusterFor, peakEventStoreFor } from '../../src/cli/controller.ts';
import { buildProgram } from '../../src/cli/program.ts';
import { loadConfigFile, type ChuanliuConfig } from '../../src/config/load-config.ts';
import type { Workload } from '../../src/domain/workload.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { cronJobObject, deploymentObject, hpaObject, jobObject, nodeObject, statefulSetObject } from '../../src/kube-api/object-builders.ts';
import type { RequestLogEntry } from '../../src/kube-api/request-log.ts';
import type { KubeObject } from '../../src/kube-api/store.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import type { ClusterWrite, WriteProvenance } from '../../src/ports/cluster.ts';
import { requireBinary } from './helpers/process.ts';

const run = promisify(execFile);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const manifestsDir = join(repoRoot, 'manifests');

const CONTROLLER_NAMESPACE = 'chuanliu-system';
const SERVICE_ACCOUNT = 'chuanliu';
const READ_VERBS = new Set(['get', 'list', 'watch']);
/** Verbs that hand out more than they name: never granted. */
const ESCALATION_VERBS = new Set(['escalate', 'bind', 'impersonate', '*']);
/** Resources chuanliu must never reach, whatever the verb. */
const FORBIDDEN_RESOURCES = ['secrets', 'pods/exec', 'pods/attach', 'pods/portforward', 'serviceaccounts/token', 'nodes/proxy', 'roles', 'clusterroles', 'rolebindings', 'clusterrolebindings'];

type Manifest = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

interface Rendered {
  readonly name: string;
  readonly objects: readonly Manifest[];
}

interface PodOwner {
  readonly owner: string;
  readonly kind: string;
  readonly spec: Manifest;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

interface RbacRule {
  readonly apiGroups?: string[];
  readonly resources?: string[];
  readonly verbs?: string[];
  readonly resourceNames?: string[];
  readonly nonResourceURLs?: string[];
}

let kubectlPath: string;
const rendered = new Map<string, Rendered>();

async function render(overlay: string, directory = join(manifestsDir, overlay)): Promise<Rendered> {
  const { stdout } = await run(kubectlPath, ['kustomize', directory], { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const objects = parseAllDocuments(stdout).map((document) => {
    if (document.errors.length > 0) throw new Error(`kubectl kustomize ${overlay} printed invalid YAML: ${document.errors[0]?.message}`);
    return document.toJS() as Manifest;
  }).filter((object) => object !== null);
  return { name: overlay, objects };
}

function named(object: Manifest): string {
  return `${object['kind']}/${object['metadata']?.['namespace'] ? `${object['metadata']['namespace']}/` : ''}${object['metadata']?.['name']}`;
}

function ofKind(objects: readonly Manifest[], kind: string): Manifest[] {
  return objects.filter((object) => object['kind'] === kind);
}

function podOwners(objects: readonly Manifest[]): PodOwner[] {
  const owners: PodOwner[] = [];
  for (const object of objects) {
    const template = object['kind'] === 'CronJob' ? object['spec']?.['jobTemplate']?.['spec']?.['template'] : ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'ReplicaSet'].includes(object['kind']) ? object['spec']?.['template'] : object['kind'] === 'Pod' ? object : undefined;
    if (template) owners.push({ owner: named(object), kind: object['kind'], spec: template['spec'] ?? {}, labels: template['metadata']?.['labels'] ?? {}, annotations: template['metadata']?.['annotations'] ?? {} });
  }
  return owners;
}

function containersOf(owner: PodOwner): { name: string; container: Manifest }[] {
  return [...(owner.spec['initContainers'] ?? []), ...(owner.spec['containers'] ?? [])].map((container: Manifest) => ({ name: `${owner.owner} container ${container['name']}`, container }));
}

function rulesOf(role: Manifest): RbacRule[] {
  return (role['rules'] ?? []) as RbacRule[];
}

function objectsOf(name: string): readonly Manifest[] {
  const found = rendered.get(name);
  if (!found) throw new Error(`${name} was not rendered`);
  return found.objects;
}

/** The rendered chuanliu config and calendar, written to a folder and loaded by the real loaders. */
async function loadRenderedConfig(objects: readonly Manifest[], directory: string): Promise<{ config: ChuanliuConfig; data: Record<string, string> }> {
  const configMap = ofKind(objects, 'ConfigMap').find((object) => String(object['metadata']['name']).startsWith('chuanliu-config'));
  if (!configMap) throw new Error('no chuanliu-config ConfigMap rendered');
  const data = configMap['data'] as Record<string, string>;
  for (const [file, text] of Object.entries(data)) await writeFile(join(directory, file), text);
  return { config: await loadConfigFile(join(directory, 'config.yaml')), data };
}

/** Whether a (Cluster)Role rule allows a request, as the API server's RBAC authorizer decides. */
function ruleAllows(rule: RbacRule, request: ApiPermission & { name?: string }): boolean {
  return (rule.apiGroups ?? []).includes(request.group)
    && (rule.resources ?? []).includes(request.resource)
    && (rule.verbs ?? []).includes(request.verb)
    && (rule.resourceNames === undefined || rule.resourceNames.length === 0 || (request.name !== undefined && rule.resourceNames.includes(request.name)));
}

/**
 * The rules the chuanliu ServiceAccount holds: per namespace (Roles bound by RoleBindings in that
 * namespace) and cluster-wide (ClusterRoles bound by ClusterRoleBindings).
 */
function grantedRules(objects: readonly Manifest[]): { namespaced: Map<string, RbacRule[]>; cluster: RbacRule[] } {
  const isOurSubject = (binding: Manifest): boolean =>
    (binding['subjects'] ?? []).some((subject: Manifest) => subject['kind'] === 'ServiceAccount' && subject['name'] === SERVICE_ACCOUNT && subject['namespace'] === CONTROLLER_NAMESPACE);
  const namespaced = new Map<string, RbacRule[]>();
  for (const binding of ofKind(objects, 'RoleBinding').filter(isOurSubject)) {
    const namespace = binding['metadata']['namespace'] as string;
    const role = ofKind(objects, binding['roleRef']['kind']).find((candidate) => candidate['metadata']['name'] === binding['roleRef']['name'] && (binding['roleRef']['kind'] === 'ClusterRole' || candidate['metadata']['namespace'] === namespace));
    namespaced.set(namespace, [...(namespaced.get(namespace) ?? []), ...(role ? rulesOf(role) : [])]);
  }
  const cluster: RbacRule[] = [];
  for (const binding of ofKind(objects, 'ClusterRoleBinding').filter(isOurSubject)) {
    const role = ofKind(objects, 'ClusterRole').find((candidate) => candidate['metadata']['name'] === binding['roleRef']['name']);
    cluster.push(...(role ? rulesOf(role) : []));
  }
  return { namespaced, cluster };
}

function expandedKeys(rules: readonly RbacRule[]): string[] {
  const keys: string[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? []) for (const resource of rule.resources ?? []) for (const verb of rule.verbs ?? []) keys.push(permissionKey({ group, resource, verb: verb as ApiPermission['verb'] }));
  }
  return [...new Set(keys)].sort();
}

const sortedKeys = (permissions: readonly ApiPermission[]): string[] => [...new Set(permissions.map(permissionKey))].sort();

const ADDED_NAMESPACE_OVERLAY = 'an overlay adding namespace shop';
let addedNamespaceDir: string | undefined;

/**
 * An overlay made the way manifests/base/kustomization.yaml tells people to add a managed
 * namespace: its own managed-namespaces/shop including the shared Role, and the config replaced
 * with one whose controller.namespaces lists shop.
 */
async function writeAddedNamespaceOverlay(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-overlay-'));
  const shopDir = join(directory, 'managed-namespaces', 'shop');
  await mkdir(shopDir, { recursive: true });
  await writeFile(join(directory, 'kustomization.yaml'), [
    'apiVersion: kustomize.config.k8s.io/v1beta1',
    'kind: Kustomization',
    'resources:',
    `  - ${relative(directory, join(manifestsDir, 'base'))}`,
    '  - managed-namespaces/shop',
    'configMapGenerator:',
    '  - name: chuanliu-config',
    '    namespace: chuanliu-system',
    '    behavior: replace',
    '    files: [config.yaml, calendar.yaml]',
    '',
  ].join('\n'));
  await writeFile(join(shopDir, 'kustomization.yaml'), `namespace: shop\nresources:\n  - ${relative(shopDir, join(manifestsDir, 'base', 'managed-namespace-rbac'))}\n`);
  const baseConfig = await readFile(join(manifestsDir, 'base', 'config', 'config.yaml'), 'utf8');
  const withShop = baseConfig.replace('namespaces: [payments, batch]', 'namespaces: [payments, batch, shop]');
  if (withShop === baseConfig) throw new Error('manifests/base/config/config.yaml no longer has "namespaces: [payments, batch]"; update this test');
  await writeFile(join(directory, 'config.yaml'), withShop);
  await writeFile(join(directory, 'calendar.yaml'), await readFile(join(manifestsDir, 'base', 'config', 'calendar.yaml'), 'utf8'));
  return directory;
}

beforeAll(async () => {
  kubectlPath = requireBinary('kubectl', 'kubectl renders the manifests (`kubectl kustomize`); install it (the node-svc image ships it; Debian: apt-get install kubectl from the Kubernetes apt repository) and put it on PATH');
  for (const overlay of ['base', 'overlays/cronjob']) rendered.set(overlay, await render(overlay));
  addedNamespaceDir = await writeAddedNamespaceOverlay();
  rendered.set(ADDED_NAMESPACE_OVERLAY, await render(ADDED_NAMESPACE_OVERLAY, addedNamespaceDir));
});

afterAll(async () => {
  if (addedNamespaceDir) await rm(addedNamespaceDir, { recursive: true, force: true });
});

describe.each([
  { overlay: 'base', managedNamespaces: ['batch', 'payments'] },
  { overlay: 'overlays/cronjob', managedNamespaces: ['batch', 'payments'] },
  { overlay: ADDED_NAMESPACE_OVERLAY, managedNamespaces: ['batch', 'payments', 'shop'] },
])('manifests: $overlay, rendered by kubectl kustomize', ({ overlay, managedNamespaces }) => {
  let directory: string;
  let config: ChuanliuConfig;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'chuanliu-manifests-'));
    ({ config } = await loadRenderedConfig(objectsOf(overlay), directory));
  });

  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  it('renders the namespace, identity, RBAC, Redis, config and dashboard', () => {
    const kinds = new Set(objectsOf(overlay).map((object) => object['kind']));
    for (const kind of ['Namespace', 'ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'ConfigMap', 'Service', 'Deployment', 'NetworkPolicy']) {
      expect(kinds, `${overlay} renders a ${kind}`).toContain(kind);
    }
  });

  it('RBAC has no wildcard verbs, resources or apiGroups, no non-resource URLs, no escalation verbs', () => {
    const problems: string[] = [];
    for (const role of [...ofKind(objectsOf(overlay), 'Role'), ...ofKind(objectsOf(overlay), 'ClusterRole')]) {
      if (role['aggregationRule']) problems.push(`${named(role)}: aggregationRule pulls in other roles' rules`);
      rulesOf(role).forEach((rule, index) => {
        const at = `${named(role)} rule ${index}`;
        if ((rule.verbs ?? []).some((verb) => verb.includes('*'))) problems.push(`${at}: wildcard verb`);
        if ((rule.resources ?? []).some((resource) => resource.includes('*'))) problems.push(`${at}: wildcard resource`);
        if ((rule.apiGroups ?? []).some((group) => group.includes('*'))) problems.push(`${at}: wildcard apiGroup`);
        if ((rule.nonResourceURLs ?? []).length > 0) problems.push(`${at}: nonResourceURLs`);
        if ((rule.verbs ?? []).some((verb) => ESCALATION_VERBS.has(verb))) problems.push(`${at}: escalation verb ${rule.verbs?.join(',')}`);
        if ((rule.verbs ?? []).length === 0 || (rule.resources ?? []).length === 0) problems.push(`${at}: empty rule`);
      });
    }
    expect(problems).toEqual([]);
  });

  it('RBAC never reaches Secrets, exec/attach/port-forward, tokens or RBAC objects', () => {
    const granted = [...ofKind(objectsOf(overlay), 'Role'), ...ofKind(objectsOf(overlay), 'ClusterRole')]
      .flatMap((role) => rulesOf(role).flatMap((rule) => (rule.resources ?? []).map((resource) => `${named(role)}: ${resource}`)));
    expect(granted.filter((entry) => FORBIDDEN_RESOURCES.some((resource) => entry.endsWith(`: ${resource}`)))).toEqual([]);
  });

  it('binds no cluster-admin and no built-in ClusterRole: every binding names a role defined here', () => {
    const roleNames = new Set([...ofKind(objectsOf(overlay), 'Role'), ...ofKind(objectsOf(overlay), 'ClusterRole')].map((role) => `${role['kind']}/${role['metadata']['name']}`));
    const bindings = [...ofKind(objectsOf(overlay), 'RoleBinding'), ...ofKind(objectsOf(overlay), 'ClusterRoleBinding')];
    expect(bindings.length).toBeGreaterThan(0);
    for (const binding of bindings) {
      const ref = `${binding['roleRef']['kind']}/${binding['roleRef']['name']}`;
      expect(ref, named(binding)).not.toMatch(/cluster-admin|^ClusterRole\/(admin|edit|view)$|^ClusterRole\/system:/);
      expect(roleNames, `${named(binding)} binds ${ref}`).toContain(ref);
      expect(binding['subjects'], named(binding)).toEqual([{ kind: 'ServiceAccount', name: SERVICE_ACCOUNT, namespace: CONTROLLER_NAMESPACE }]);
    }
  });

  it('the only ClusterRole reads Nodes and nothing else', () => {
    const clusterRoles = ofKind(objectsOf(overlay), 'ClusterRole');
    expect(clusterRoles.map((role) => role['metadata']['name'])).toEqual(['chuanliu-node-reader']);
    for (const rule of clusterRoles.flatMap(rulesOf)) {
      expect(rule.apiGroups).toEqual(['']);
      expect(rule.resources).toEqual(['nodes']);
      expect((rule.verbs ?? []).filter((verb) => !READ_VERBS.has(verb))).toEqual([]);
    }
  });

  it('Roles and RoleBindings exist exactly in the namespaces the config manages (controller.namespaces) and the controller\'s own', () => {
    const managed = [...config.controller.namespaces].sort();
    expect(managed).toEqual(managedNamespaces);
    for (const kind of ['Role', 'RoleBinding']) {
      expect(ofKind(objectsOf(overlay), kind).map((object) => object['metadata']['namespace']).sort(), kind).toEqual([...managed, CONTROLLER_NAMESPACE].sort());
    }
    // Every configured workload lives in a managed namespace, so each has its Role.
    for (const workload of [...config.inventory.online, ...config.inventory.offline]) expect(managed, workload.name).toContain(workload.ref.namespace);
  });

  it('grants exactly the permissions the Kubernetes adapter requires: per managed namespace, and Nodes cluster-wide', () => {
    const { namespaced, cluster } = grantedRules(objectsOf(overlay));
    expect([...namespaced.keys()].sort()).toEqual([...config.controller.namespaces, CONTROLLER_NAMESPACE].sort());
    for (const [namespace, rules] of namespaced) {
      expect(expandedKeys(rules), namespace).toEqual(sortedKeys(namespace === CONTROLLER_NAMESPACE ? CONTROLLER_NAMESPACE_PERMISSIONS : NAMESPACED_PERMISSIONS));
    }
    // In its own namespace it reads one ConfigMap, the pause switch, and no other.
    const configMapRules = (namespaced.get(CONTROLLER_NAMESPACE) ?? []).filter((rule) => (rule.resources ?? []).includes('configmaps'));
    expect(configMapRules.map((rule) => rule.resourceNames)).toEqual([[CONTROLS_CONFIGMAP_NAME]]);
    expect(expandedKeys(cluster)).toEqual(sortedKeys(CLUSTER_PERMISSIONS));
  });

  it('every container runs as non-root with a read-only root filesystem, no privilege escalation, no capabilities, seccomp and resources', () => {
    const problems: string[] = [];
    const owners = podOwners(objectsOf(overlay));
    expect(owners.length).toBeGreaterThanOrEqual(2);
    for (const owner of owners) {
      const pod = owner.spec['securityContext'] ?? {};
      for (const { name, container } of containersOf(owner)) {
        const security = container['securityContext'] ?? {};
        const runAsNonRoot = security['runAsNonRoot'] ?? pod['runAsNonRoot'];
        const runAsUser = security['runAsUser'] ?? pod['runAsUser'];
        const seccomp = security['seccompProfile']?.['type'] ?? pod['seccompProfile']?.['type'];
        if (runAsNonRoot !== true) problems.push(`${name}: runAsNonRoot is not true`);
        if (typeof runAsUser !== 'number' || runAsUser === 0) problems.push(`${name}: runAsUser ${String(runAsUser)} (must be a non-zero uid)`);
        if (security['readOnlyRootFilesystem'] !== true) problems.push(`${name}: root filesystem is writable`);
        if (security['allowPrivilegeEscalation'] !== false) problems.push(`${name}: allowPrivilegeEscalation is not false`);
        if (security['privileged'] === true) problems.push(`${name}: privileged`);
        if (JSON.stringify(security['capabilities']?.['drop'] ?? []) !== '["ALL"]') problems.push(`${name}: does not drop ALL capabilities`);
        if ((security['capabilities']?.['add'] ?? []).length > 0) problems.push(`${name}: adds capabilities`);
        if (seccomp !== 'RuntimeDefault') problems.push(`${name}: seccompProfile ${String(seccomp)}`);
        for (const bound of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory']) {
            if (container['resources']?.[bound]?.[resource] === undefined) problems.push(`${name}: no ${bound}.${resource}`);
          }
        }
      }
      for (const hostField of ['hostNetwork', 'hostPID', 'hostIPC']) if (owner.spec[hostField] === true) problems.push(`${owner.owner}: ${hostField}`);
      for (const volume of owner.spec['volumes'] ?? []) if (volume['hostPath']) problems.push(`${owner.owner}: hostPath volume ${volume['name']}`);
    }
    expect(problems).toEqual([]);
  });

  it('images carry a pinned tag (not latest, not untagged)', () => {
    const images = podOwners(objectsOf(overlay)).flatMap((owner) => containersOf(owner).map(({ name, container }) => ({ name, image: String(container['image']) })));
    for (const { name, image } of images) {
      const tag = image.includes('@sha256:') ? 'digest' : /:([^/:]+)$/.exec(image)?.[1];
      expect(tag, `${name}: ${image}`).toBeDefined();
      expect(tag, `${name}: ${image}`).not.toBe('latest');
    }
  });

  it('long-running containers have liveness and readiness probes', () => {
    const longRunning = podOwners(objectsOf(overlay)).filter((owner) => ['Deployment', 'StatefulSet', 'DaemonSet'].includes(owner.kind));
    expect(longRunning.length).toBeGreaterThan(0);
    for (const owner of longRunning) {
      for (const { name, container } of containersOf(owner)) {
        expect(container['livenessProbe'], `${name} livenessProbe`).toBeDefined();
        expect(container['readinessProbe'], `${name} readinessProbe`).toBeDefined();
      }
    }
  });

  it('mounts the service account token only into pods that call the Kubernetes API', () => {
    const account = ofKind(objectsOf(overlay), 'ServiceAccount').find((candidate) => candidate['metadata']['name'] === SERVICE_ACCOUNT);
    expect(account?.['automountServiceAccountToken']).toBe(false);
    for (const owner of podOwners(objectsOf(overlay))) {
      const usesApi = owner.labels['app.kubernetes.io/component'] === 'controller';
      expect(owner.spec['automountServiceAccountToken'], owner.owner).toBe(usesApi);
      if (usesApi) expect(owner.spec['serviceAccountName'], owner.owner).toBe(SERVICE_ACCOUNT);
    }
  });

  it('the controller writes only to an emptyDir at /tmp; its config is mounted read-only', () => {
    const controllers = podOwners(objectsOf(overlay)).filter((owner) => owner.labels['app.kubernetes.io/component'] === 'controller');
    expect(controllers.length).toBe(1);
    for (const owner of controllers) {
      const volumes = new Map<string, Manifest>((owner.spec['volumes'] ?? []).map((volume: Manifest) => [volume['name'], volume]));
      for (const { name, container } of containersOf(owner)) {
        const writable = (container['volumeMounts'] ?? []).filter((mount: Manifest) => mount['readOnly'] !== true);
        expect(writable.map((mount: Manifest) => mount['mountPath']), name).toEqual(['/tmp']);
        expect(volumes.get(writable[0]['name'])?.['emptyDir'], name).toBeDefined();
      }
    }
  });

  it('chuanliu-system enforces the restricted Pod Security Standard', () => {
    const namespace = ofKind(objectsOf(overlay), 'Namespace').find((candidate) => candidate['metadata']['name'] === CONTROLLER_NAMESPACE);
    expect(namespace?.['metadata']['labels']?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    // Only chuanliu's own namespace is created: managed namespaces belong to their workloads.
    expect(ofKind(objectsOf(overlay), 'Namespace').map((object) => object['metadata']['name'])).toEqual([CONTROLLER_NAMESPACE]);
  });

  it('only controller pods may reach Redis', () => {
    const policy = ofKind(objectsOf(overlay), 'NetworkPolicy').find((candidate) => candidate['metadata']['name'] === 'chuanliu-redis');
    const allowed = policy?.['spec']['ingress'][0]['from'][0]['podSelector']['matchLabels'] as Record<string, string>;
    const owners = podOwners(objectsOf(overlay));
    const admitted = owners.filter((owner) => Object.entries(allowed).every(([key, value]) => owner.labels[key] === value)).map((owner) => owner.labels['app.kubernetes.io/component']);
    expect(admitted).toEqual(['controller']);
  });
});

describe('manifests/base wiring', () => {
  let directory: string;
  let config: ChuanliuConfig;
  let data: Record<string, string>;

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'chuanliu-manifests-base-'));
    ({ config, data } = await loadRenderedConfig(objectsOf('base'), directory));
  });

  afterAll(async () => {
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  function controllerContainer(objects: readonly Manifest[], kind: 'Deployment' | 'CronJob'): { owner: PodOwner; container: Manifest } {
    const owner = podOwners(objects).find((candidate) => candidate.kind === kind && candidate.labels['app.kubernetes.io/component'] === 'controller');
    if (!owner) throw new Error(`no controller ${kind}`);
    return { owner, container: owner.spec['containers'][0] };
  }

  function flag(args: readonly string[], name: string): string | undefined {
    const index = args.indexOf(name);
    return index >= 0 ? args[index + 1] : undefined;
  }

  it('the shipped config is the example with only the calendar path changed, and the calendar is forecasts/double11.yaml', async () => {
    const example = await readFile(join(repoRoot, 'sim', 'config.double11.yaml'), 'utf8');
    const changed = example.split('\n').map((line, index) => ({ line, index })).filter(({ line, index }) => data['config.yaml']?.split('\n')[index] !== line);
    expect(changed.map(({ line }) => line)).toEqual(['calendar: ../forecasts/double11.yaml      # relative to this file']);
    expect(data['config.yaml']?.split('\n').length).toBe(example.split('\n').length);
    expect(data['calendar.yaml']).toBe(await readFile(join(repoRoot, 'forecasts', 'double11.yaml'), 'utf8'));
  });

  it('the shipped config and its calendar load with the real loaders from the mounted folder', async () => {
    expect(config.calendarPath).toBe(join(directory, 'calendar.yaml'));
    const calendar = await loadCalendarFile(config.calendarPath ?? '');
    expect(calendar.name).toBe('double11-2026-evening');
    expect(config.inventory.online.length + config.inventory.offline.length).toBe(8);
  });

  it.each([
    { variant: 'Deployment', overlay: 'base', kind: 'Deployment' as const, command: 'controller' },
    { variant: 'CronJob', overlay: 'overlays/cronjob', kind: 'CronJob' as const, command: 'reconcile' },
  ])('the $variant runs `chuanliu $command` with the mounted config, the Redis Service and in-cluster credentials', async ({ overlay, kind, command }) => {
    const objects = objectsOf(overlay);
    const { owner, container } = controllerContainer(objects, kind);
    const args = container['args'] as string[];
    expect(args[0]).toBe(command);
    expect(args).toContain('--in-cluster');

    const configPath = flag(args, '--config') ?? '';
    const mount = (container['volumeMounts'] as Manifest[]).find((candidate) => candidate['mountPath'] === posix.dirname(configPath));
    const volume = (owner.spec['volumes'] as Manifest[]).find((candidate) => candidate['name'] === mount?.['name']);
    const configMapName = volume?.['configMap']?.['name'] as string;
    const configMap = ofKind(objects, 'ConfigMap').find((candidate) => candidate['metadata']['name'] === configMapName);
    expect(configMap?.['data']?.[posix.basename(configPath)], `${configPath} is a key of the mounted ConfigMap ${configMapName}`).toBeDefined();

    const redis = new URL(flag(args, '--redis') ?? '');
    const service = ofKind(objects, 'Service').find((candidate) => candidate['metadata']['name'] === redis.hostname);
    expect(service?.['metadata']['namespace']).toBe(CONTROLLER_NAMESPACE);
    expect(service?.['spec']['ports'].map((port: Manifest) => String(port['port']))).toContain(redis.port);

    const registered = (await buildProgram()).commands.find((candidate) => candidate.name() === command);
    expect(registered, `chuanliu ${command} is a registered command`).toBeDefined();
    const known = new Set(registered?.options.map((option) => option.long));
    expect(args.filter((arg) => arg.startsWith('--')).filter((arg) => !known.has(arg))).toEqual([]);
  });

  it('probes, the metrics Service and the scrape annotation use the port given to --metrics-port', () => {
    const objects = objectsOf('base');
    const { owner, container } = controllerContainer(objects, 'Deployment');
    const port = Number(flag(container['args'], '--metrics-port'));
    const metricsPort = (container['ports'] as Manifest[]).find((candidate) => candidate['name'] === 'metrics');
    expect(metricsPort?.['containerPort']).toBe(port);
    expect(container['livenessProbe']['httpGet']).toEqual({ path: '/healthz', port: 'metrics' });
    expect(container['readinessProbe']['httpGet']).toEqual({ path: '/readyz', port: 'metrics' });
    const service = ofKind(objects, 'Service').find((candidate) => candidate['metadata']['name'] === 'chuanliu-controller-metrics');
    expect(service?.['spec']['ports'][0]).toMatchObject({ port, targetPort: 'metrics' });
    expect(Object.entries(service?.['spec']['selector'] ?? {}).every(([key, value]) => owner.labels[key] === value)).toBe(true);
    expect(owner.annotations).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': String(port), 'prometheus.io/path': '/metrics' });
  });

  it('Redis keeps BullMQ keys (noeviction) and runs one primary at a time', () => {
    const redis = ofKind(objectsOf('base'), 'Deployment').find((candidate) => candidate['metadata']['name'] === 'chuanliu-redis');
    const args = redis?.['spec']['template']['spec']['containers'][0]['args'] as string[];
    expect(flag(args, '--maxmemory-policy')).toBe('noeviction');
    expect(redis?.['spec']['replicas']).toBe(1);
    expect(redis?.['spec']['strategy']['type']).toBe('Recreate');
  });

  it('the CronJob runs every minute, one run at a time, bounded in time', () => {
    const objects = objectsOf('overlays/cronjob');
    const [cronJob] = ofKind(objects, 'CronJob');
    expect(cronJob?.['spec']).toMatchObject({ schedule: '* * * * *', concurrencyPolicy: 'Forbid' });
    expect(cronJob?.['spec']['jobTemplate']['spec']['activeDeadlineSeconds']).toBeGreaterThan(0);
    expect(ofKind(objects, 'Deployment').map((object) => object['metadata']['name'])).toEqual(['chuanliu-redis']);
    expect(ofKind(objects, 'PodDisruptionBudget')).toEqual([]);
  });

  it('the Grafana dashboard is labelled for the sidecar and queries only metrics the controller exports', async () => {
    const configMap = ofKind(objectsOf('base'), 'ConfigMap').find((candidate) => candidate['metadata']['labels']?.['grafana_dashboard'] === '1');
    expect(configMap?.['metadata']['name']).toBe('chuanliu-grafana-dashboard');
    const dashboard = JSON.parse(configMap?.['data']['chuanliu.json'] ?? '') as { uid: string; panels: { title: string; targets: { expr: string }[] }[] };
    expect(dashboard.uid).toBe('chuanliu-controller');

    const metrics = new ControllerMetrics({ inventory: config.inventory, defaultMetrics: false });
    const exported = new Set<string>();
    for (const metric of await metrics.registry.getMetricsAsJSON()) {
      exported.add(metric.name);
      if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(`${metric.name}${suffix}`);
    }
    const queried = new Set(dashboard.panels.flatMap((panel) => panel.targets.flatMap((target) => target.expr.match(/\bchuanliu_[a-z_]+/g) ?? [])));
    expect([...queried].filter((name) => !exported.has(name))).toEqual([]);
    // The issue's list: forecast vs actual, plan vs actual replicas, apply latency, time to
    // capacity, forecast misses, offline preemptions, shortfall.
    for (const required of ['chuanliu_forecast_rps', 'chuanliu_actual_rps', 'chuanliu_plan_replicas', 'chuanliu_actual_replicas', 'chuanliu_apply_latency_seconds_bucket', 'chuanliu_time_to_capacity_ready_seconds_bucket', 'chuanliu_forecast_misses_total', 'chuanliu_offline_preempted_replicas_total', 'chuanliu_shortfall_replicas',
      // Issue 6: missing or stale data holds capacity and raises an alert, shown here too.
      'chuanliu_demand_data_fresh', 'chuanliu_demand_data_age_seconds', 'chuanliu_data_holds_total']) {
      expect(queried, required).toContain(required);
    }
    for (const panel of dashboard.panels) expect(panel.targets.length, panel.title).toBeGreaterThan(0);
  });
});

describe('every request of the Kubernetes adapter is allowed by the rendered RBAC', () => {
  let kube: RunningKubeApi;
  let directory: string;
  let config: ChuanliuConfig;

  /** The example inventory as cluster objects (synthetic, small replica counts). */
  function inventoryObjects(loaded: ChuanliuConfig): KubeObject[] {
    const objects: KubeObject[] = loaded.inventory.nodePools.map((pool) => nodeObject({ name: `${pool.name}-1`, pool: pool.name, cpu: '64', memory: '256Gi' }));
    const workloads: Workload[] = [...loaded.inventory.online, ...loaded.inventory.offline];
    for (const workload of workloads) {
      const { namespace, name } = workload.ref;
      const shape = { namespace, name, cpu: '100m', memory: '64Mi' };
      if (workload.ref.apiKind === 'Deployment') objects.push(deploymentObject({ ...shape, replicas: 1 }));
      if (workload.ref.apiKind === 'StatefulSet') objects.push(statefulSetObject({ ...shape, replicas: 1 }));
      if (workload.ref.apiKind === 'Job') objects.push(jobObject({ ...shape, parallelism: 1 }));
      if (workload.ref.apiKind === 'CronJob') objects.push(cronJobObject({ namespace, name, schedule: '0 * * * *' }));
      if (workload.class === 'online' && workload.hpaName !== undefined) objects.push(hpaObject({ namespace, name: workload.hpaName, target: name, minReplicas: 1, maxReplicas: 10 }));
    }
    const [firstNamespace] = loaded.controller.namespaces;
    objects.push({
      apiVersion: 'chuanliu.io/v1alpha1', kind: 'PeakEvent', metadata: { name: 'rbac-probe', namespace: firstNamespace! },
      spec: { kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'Asia/Shanghai', duration: '1h', uplift: 1.5 },
    });
    return objects;
  }

  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'chuanliu-manifests-rbac-'));
    ({ config } = await loadRenderedConfig(objectsOf('base'), directory));
    kube = await startKubeApi({ clock: systemClock, objects: [...inventoryObjects(config), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: CONTROLLER_NAMESPACE } }] });
    await kube.writeKubeconfig(join(directory, 'kubeconfig'));
    await kube.bridge.idle();
  });

  afterAll(async () => {
    await kube?.close();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  /** The RBAC view of a logged request: group from the path, resource with its subresource. */
  function asPermission(entry: RequestLogEntry): ApiPermission & { namespace?: string; name?: string } {
    const group = entry.path.startsWith('/apis/') ? (entry.path.split('/')[2] ?? '') : '';
    return {
      group,
      resource: entry.subresource ? `${entry.resource}/${entry.subresource}` : (entry.resource ?? entry.path),
      verb: entry.verb ?? 'get',
      ...(entry.namespace !== undefined ? { namespace: entry.namespace } : {}),
      ...(entry.name !== undefined ? { name: entry.name } : {}),
    };
  }

  it('snapshot and a write of every kind, with the adapter built as the controller builds it', async () => {
    // Built exactly as `chuanliu controller` and `reconcile` build it.
    const cluster = clusterFor(config, { config: join(directory, 'config.yaml'), kubeconfig: join(directory, 'kubeconfig') });
    const since = kube.requestLog.lastSeq;
    try {
      const snapshot = await cluster.snapshot();
      expect(snapshot.workloads).toHaveLength(8);
      const provenance: WriteProvenance = { planId: 'plan-rbac', stepId: 'step-1', reason: 'forecast-increase', message: 'RBAC cross-check', atMs: Date.UTC(2026, 10, 11, 11, 0) };
      const writes: ClusterWrite[] = [
        ...snapshot.workloads.map((state): ClusterWrite => ({ kind: 'replicas', ref: state.ref, replicas: state.ref.apiKind === 'CronJob' ? 0 : state.desiredReplicas + 1, provenance })),
        ...config.inventory.online.flatMap((workload): ClusterWrite[] => (workload.hpaName !== undefined ? [{ kind: 'hpa-min', ref: workload.ref, hpaName: workload.hpaName, minReplicas: 3, provenance }] : [])),
      ];
      const outcomes = await Promise.all(writes.map((write) => cluster.write(write)));
      expect(outcomes.map((outcome) => outcome.status)).toEqual(writes.map(() => 'applied'));
    } finally {
      cluster.close();
    }
    // The PeakEvent adapter as the controller builds it: list in every managed namespace, write a status.
    const peakEvents = peakEventStoreFor(config, { config: join(directory, 'config.yaml'), kubeconfig: join(directory, 'kubeconfig') });
    try {
      const listed = await peakEvents.list();
      expect(listed.map((object) => object.metadata.name)).toEqual(['rbac-probe']);
      await peakEvents.writeStatus(listed[0]!.metadata.namespace!, 'rbac-probe', { state: 'Accepted' });
    } finally {
      peakEvents.close();
    }

    // Events and the pause switch, as `chuanliu controller` builds them: an Event on a managed
    // workload, repeated (create, then a count patch), one on the controller's switch, and a read of it.
    const kubeConfig = loadKubeConfig({ kind: 'file', path: join(directory, 'kubeconfig') });
    const eventMetrics = new ControllerMetrics({ inventory: config.inventory });
    const operator = controllerEventsFor({ kubeConfig, holder: 'rbac-check', metrics: eventMetrics, logger: createLogger({ level: 'error', name: 'rbac' }), namespace: CONTROLLER_NAMESPACE });
    try {
      const workload = config.inventory.online[0]!;
      const event = { regarding: objectRefOf(workload.ref), type: 'Normal', reason: 'ScaledForPeak', action: 'Scale', note: 'RBAC cross-check' } as const;
      operator.recorder.record(event);
      await operator.recorder.idle();
      operator.recorder.record(event);
      operator.recorder.record({ regarding: operator.controls.object, type: 'Warning', reason: 'ConfigReloadFailed', action: 'Reload', note: 'RBAC cross-check' });
      await operator.recorder.idle();
      expect((await operator.controls.read()).paused).toBe(false);
      expect(await eventMetrics.registry.metrics()).toMatch(/chuanliu_events_dropped_total\{reason="write-failed"\} 0/);
    } finally {
      await operator.close();
    }

    const requests = kube.requestLog.list({ sinceSeq: since }).filter((entry) => entry.resource !== undefined);
    const { namespaced, cluster: clusterRules } = grantedRules(objectsOf('base'));
    const denied = requests.map(asPermission).filter((request) => {
      const rules = request.namespace !== undefined ? (namespaced.get(request.namespace) ?? []) : clusterRules;
      return !rules.some((rule) => ruleAllows(rule, request));
    });
    expect(denied.map((request) => `${request.verb} ${permissionKey(request)} in ${request.namespace ?? '(cluster)'}`)).toEqual([]);

    // The exported list is exactly what the adapter used: nothing missing, nothing stale.
    expect(sortedKeys(requests.map(asPermission))).toEqual(sortedKeys([...NAMESPACED_PERMISSIONS, ...CLUSTER_PERMISSIONS, ...CONTROLLER_NAMESPACE_PERMISSIONS]));
    expect([...new Set(requests.map((entry) => entry.namespace).filter((namespace) => namespace !== undefined))].sort()).toEqual([...config.controller.namespaces, CONTROLLER_NAMESPACE].sort());
  });
});
