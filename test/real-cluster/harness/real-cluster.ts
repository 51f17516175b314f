/**
 * A real Kubernetes control plane on loopback, for the real-cluster suites, fault runs and the
 * grand-shift-real benchmark: etcd, kube-apiserver (TLS with a generated CA, service-account signing
 * keys, Node,RBAC authorization, default admission, an audit log of writes), kube-controller-manager
 * (the real deployment, replicaset, job, cronjob, HPA — 15 s sync as in a real cluster —,
 * garbage-collector, namespace and service-account controllers), kube-scheduler and kwok, which plays
 * the kubelets: it registers nothing by itself, but turns the Nodes the harness creates Ready and
 * moves pods bound to them to Running/Ready after a configured delay, and deletes terminating pods
 * once their grace period is over (kwok's stock stages, delays set here).
 *
 * Binaries come from `npm run control-plane:build` (.cache/control-plane/<version>/bin); a missing one
 * fails the suite with that command, never skips it. Random free ports, one temp folder per cluster,
 * component logs kept there and their tails printed when start-up fails; `stop()` ends every process
 * and removes the folder. Suites share one cluster per file.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments, stringify } from 'yaml';
import { freePort } from '../../integration/helpers/free-port.ts';
import { ControlPlaneComponent } from './component.ts';
import { createClusterPki, type ClusterPki } from './pki.ts';

const execFileAsync = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface KwokNodeSpec {
  /** Node names are `<prefix>-<index>`. @defaultValue 'kwok-node' */
  readonly namePrefix?: string;
  readonly count: number;
  /** @defaultValue '4' */
  readonly cpu?: string;
  /** @defaultValue '8Gi' */
  readonly memory?: string;
  /** @defaultValue 110 */
  readonly pods?: number;
  readonly labels?: Readonly<Record<string, string>>;
  readonly taints?: readonly { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
}

export interface RealClusterOptions {
  /** Nodes created before start() returns. @defaultValue 4 nodes of 4 CPU / 8Gi */
  readonly nodes?: KwokNodeSpec;
  /** A bound pod turns Running/Ready this long after it was created (kwok's pod-ready delay). @defaultValue 1000 */
  readonly podReadyDelayMs?: number;
  /** Uniform extra delay per pod, as kwok's jitter. @defaultValue 0 */
  readonly podReadyJitterMs?: number;
  /** A Job's pod succeeds this long after it turned Ready (kwok's pod-complete delay). @defaultValue 1 h */
  readonly jobPodRunMs?: number;
  /** HPA controller sync period. @defaultValue 15 (a real cluster's) */
  readonly hpaSyncPeriodSeconds?: number;
  /** API priority and fairness: total concurrent requests the server takes (--max-requests-inflight + --max-mutating-requests-inflight). Defaults as kube-apiserver's (400/200). */
  readonly maxRequestsInflight?: number;
  readonly maxMutatingRequestsInflight?: number;
  /**
   * How many pod (and node) stages kwok plays at once. kwok's default, 4, caps it at 4 API round
   * trips in flight: ~11 pod status patches/s (≈5 pods/s to Ready) on a loaded API server, which
   * is what limited the first 10,000-workload run. @defaultValue 4 (kwok's own)
   */
  readonly kwokParallelism?: number;
  /** Extra kube-apiserver flags (e.g. a short --watch-cache-sizes to provoke 410 Gone). */
  readonly extraApiServerArgs?: readonly string[];
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RealCluster {
  /** https://127.0.0.1:<port> */
  readonly apiUrl: string;
  readonly directory: string;
  /** A kubeconfig with the harness's admin identity (system:masters): for setting up, never for chuanliu under test. */
  readonly adminKubeconfigPath: string;
  readonly caCertPath: string;
  /** kube-apiserver's gitVersion, e.g. v1.37.2. */
  readonly version: string;
  /** Wall time from the first process started to every component ready and the nodes Ready. */
  readonly startupMs: number;
  readonly auditLogPath: string;
  /** kubectl with the admin kubeconfig (or `kubeconfig`); never throws on a non-zero exit. */
  kubectl(args: readonly string[], options?: { kubeconfig?: string; input?: string; timeoutMs?: number }): Promise<CommandResult>;
  /** kubectl that throws with its stderr on a non-zero exit. */
  kubectlOk(args: readonly string[], options?: { kubeconfig?: string; input?: string; timeoutMs?: number }): Promise<string>;
  /** `kubectl apply -f -` of objects (admin). */
  apply(objects: readonly object[]): Promise<void>;
  addNodes(spec: KwokNodeSpec): Promise<string[]>;
  /** A service-account token from the real TokenRequest API. */
  serviceAccountToken(namespace: string, name: string, expirationSeconds?: number): Promise<string>;
  /** Writes a kubeconfig that authenticates with `token` (verifying the cluster CA) and returns its path; `serverUrl` e.g. a fault proxy's. */
  writeTokenKubeconfig(fileName: string, token: string, options?: { namespace?: string; serverUrl?: string }): Promise<string>;
  /** kill -9 kube-apiserver (etcd keeps the state). */
  killApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port and waits for /readyz. */
  startApiServer(): Promise<void>;
  /** Tails of every component's log, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export class MissingControlPlaneError extends Error {
  override readonly name = 'MissingControlPlaneError';
}

const COMPONENTS = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;

/** The folder the build script writes to; throws naming the build command when a binary is missing. */
export function controlPlaneBinDir(): string {
  const printed = spawnSync('bash', [join(repoRoot, 'tools/control-plane/build.sh'), '--print-dir'], { encoding: 'utf8' });
  const binDir = printed.stdout.trim();
  if (printed.status !== 0 || binDir === '') {
    throw new MissingControlPlaneError(`cannot locate the control-plane binaries: ${printed.stderr.trim()}`);
  }
  const missing = COMPONENTS.filter((name) => !existsSync(join(binDir, name)));
  if (missing.length > 0 || !existsSync(join(binDir, '..', 'kwok-stages', 'node-heartbeat-with-lease.yaml'))) {
    throw new MissingControlPlaneError(
      `the real control plane is not built (missing: ${missing.join(', ') || 'kwok stages'} in ${binDir}); run: npm run control-plane:build`,
    );
  }
  return binDir;
}

/**
 * GET with the admin client certificate. kube-apiserver's certificate is checked against the cluster CA;
 * the controller-manager's and scheduler's /healthz serve self-signed certificates (`verify: false`).
 */
function httpsGet(url: string, pki: ClusterPki, options: { verify?: boolean; timeoutMs?: number } = {}): Promise<{ status: number; body: string }> {
  const timeoutMs = options.timeoutMs ?? 2_000;
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: pki.caCertPem, cert: pki.adminCertPem, key: pki.adminKeyPem, timeout: timeoutMs, rejectUnauthorized: options.verify ?? true }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

async function waitForComponent(component: ControlPlaneComponent, what: string, probe: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!component.running()) {
      throw new Error(`${component.name} ${component.exitReason() ?? 'is not running'} before ${what}:\n${component.outputTail()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${component.name}: ${what} not reached after ${timeoutMs} ms:\n${component.outputTail()}`);
}

/** kwok's stock stages with this cluster's delays: pods start at once and turn Ready after `podReadyDelayMs`. */
async function kwokStages(binDir: string, options: RealClusterOptions): Promise<string> {
  const stageDir = join(binDir, '..', 'kwok-stages');
  const documents: string[] = [];
  for (const file of (await readdir(stageDir)).filter((name) => name.endsWith('.yaml')).sort()) {
    for (const document of parseAllDocuments(await readFile(join(stageDir, file), 'utf8'))) {
      const stage = document.toJS() as { metadata: { name: string }; spec: { delay?: Record<string, unknown> } };
      const delay = stage.spec.delay;
      const name = stage.metadata.name;
      // Node stages and pod-delete keep kwok's own timing (pod-delete: when the deletionTimestamp, i.e.
      // the termination grace, has passed); the pod lifecycle up to Ready takes this cluster's delay.
      if (delay !== undefined && name === 'pod-ready') {
        delay['durationMilliseconds'] = options.podReadyDelayMs ?? 1_000;
        delay['jitterDurationMilliseconds'] = options.podReadyJitterMs ?? 0;
      } else if (delay !== undefined && name === 'pod-complete') {
        // Job pods are batch work: they run until their Job is scaled down, not a second.
        delay['durationMilliseconds'] = options.jobPodRunMs ?? 3_600_000;
        delete delay['jitterDurationMilliseconds'];
      } else if (delay !== undefined && (name === 'pod-create' || name.startsWith('pod-init-container'))) {
        delay['durationMilliseconds'] = 0;
        delete delay['jitterDurationMilliseconds'];
      }
      documents.push(stringify(stage));
    }
  }
  if (options.kwokParallelism !== undefined) {
    documents.push(stringify({
      apiVersion: 'config.kwok.x-k8s.io/v1alpha1', kind: 'KwokConfiguration',
      // A KwokConfiguration read from a file is not defaulted: every option kwok's defaults set is
      // given (kwok v0.8.0's SetObjectDefaults_KwokConfiguration), with the two parallelisms raised.
      options: {
        cidr: '10.0.0.0/24', manageAllNodes: false, enableDebuggingHandlers: true, enableContentionProfiling: false, enableProfilingHandler: true,
        podPlayStageParallelism: options.kwokParallelism, nodePlayStageParallelism: options.kwokParallelism, nodeLeaseParallelism: 4,
        podsOnNodeSyncParallelism: 1, enablePodsOnNodeSyncListPager: true, enablePodsOnNodeSyncStreamWatch: false,
      },
    }));
  }
  return documents.join('---\n');
}

function adminKubeconfig(apiUrl: string, pki: ClusterPki): string {
  const b64 = (pem: string): string => Buffer.from(pem).toString('base64');
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'admin',
    clusters: [{ name: 'loopback', cluster: { server: apiUrl, 'certificate-authority-data': b64(pki.caCertPem) } }],
    users: [{ name: 'admin', user: { 'client-certificate-data': b64(pki.adminCertPem), 'client-key-data': b64(pki.adminKeyPem) } }],
    contexts: [{ name: 'admin', context: { cluster: 'loopback', user: 'admin', namespace: 'default' } }],
  });
}

/** Audit policy: every write to the objects chuanliu changes, with its stage timestamps; nothing else. */
const AUDIT_POLICY = stringify({
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  omitStages: ['RequestReceived'],
  rules: [
    {
      level: 'Metadata',
      verbs: ['patch', 'update', 'create'],
      resources: [
        { group: 'apps', resources: ['deployments', 'deployments/scale', 'statefulsets', 'statefulsets/scale'] },
        { group: 'autoscaling', resources: ['horizontalpodautoscalers'] },
        { group: 'batch', resources: ['jobs', 'cronjobs'] },
      ],
    },
    { level: 'None' },
  ],
});

export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const startedAt = performance.now();
  const binDir = controlPlaneBinDir();
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-real-cluster-'));
  const components: ControlPlaneComponent[] = [];
  const stopAll = async (): Promise<void> => {
    for (const component of [...components].reverse()) await component.close();
  };
  try {
    const pki = await createClusterPki(directory);
    const [etcdClientPort, etcdPeerPort, apiPort, cmPort, schedulerPort, kwokPort] = await Promise.all(
      Array.from({ length: 6 }, () => freePort()),
    );
    const apiUrl = `https://127.0.0.1:${apiPort}`;
    const adminKubeconfigPath = join(directory, 'admin.kubeconfig');
    await writeFile(adminKubeconfigPath, adminKubeconfig(apiUrl, pki), { mode: 0o600 });
    const auditPolicyPath = join(directory, 'audit-policy.yaml');
    const auditLogPath = join(directory, 'audit.log');
    await writeFile(auditPolicyPath, AUDIT_POLICY);
    const stagesPath = join(directory, 'kwok-stages.yaml');
    await writeFile(stagesPath, await kwokStages(binDir, options));
    const bin = (name: string): string => join(binDir, name);

    const etcd = new ControlPlaneComponent('etcd', bin('etcd'), [
      '--name', 'loopback', '--data-dir', join(directory, 'etcd-data'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClientPort}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClientPort}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeerPort}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeerPort}`,
      '--initial-cluster', `loopback=http://127.0.0.1:${etcdPeerPort}`,
      // A test cluster's data dies with it: no fsync keeps writes fast on a shared disk.
      '--unsafe-no-fsync', '--log-level', 'warn',
    ], directory);
    components.push(etcd);
    etcd.start();
    await waitForComponent(etcd, 'healthy', async () => {
      const response = await fetch(`http://127.0.0.1:${etcdClientPort}/health`);
      return response.ok;
    }, 30_000);

    const apiServer = new ControlPlaneComponent('kube-apiserver', bin('kube-apiserver'), [
      '--etcd-servers', `http://127.0.0.1:${etcdClientPort}`,
      '--bind-address', '127.0.0.1', '--advertise-address', '127.0.0.1', '--secure-port', String(apiPort),
      '--tls-cert-file', pki.servingCertPath, '--tls-private-key-file', pki.servingKeyPath,
      '--client-ca-file', pki.caCertPath,
      // No front proxy here; naming its CA keeps the extension-apiserver-authentication ConfigMap complete.
      '--requestheader-client-ca-file', pki.caCertPath, '--requestheader-allowed-names', 'front-proxy-client',
      '--requestheader-username-headers', 'X-Remote-User', '--requestheader-group-headers', 'X-Remote-Group',
      '--requestheader-extra-headers-prefix', 'X-Remote-Extra-',
      '--service-account-issuer', 'https://kubernetes.default.svc.cluster.local',
      '--service-account-key-file', pki.serviceAccountPublicKeyPath,
      '--service-account-signing-key-file', pki.serviceAccountKeyPath,
      '--authorization-mode', 'Node,RBAC',
      '--service-cluster-ip-range', '10.96.0.0/16',
      // The "kubernetes" Service endpoints would name a loopback address, which Endpoints validation refuses.
      '--endpoint-reconciler-type', 'none',
      '--audit-policy-file', auditPolicyPath, '--audit-log-path', auditLogPath, '--audit-log-maxsize', '500',
      '--max-requests-inflight', String(options.maxRequestsInflight ?? 400),
      '--max-mutating-requests-inflight', String(options.maxMutatingRequestsInflight ?? 200),
      ...(options.extraApiServerArgs ?? []),
    ], directory);
    components.push(apiServer);
    const apiReady = (): Promise<void> => waitForComponent(apiServer, '/readyz', async () => (await httpsGet(`${apiUrl}/readyz`, pki)).status === 200, 90_000);
    apiServer.start();
    await apiReady();

    const kubeconfigArgs = ['--kubeconfig', adminKubeconfigPath];
    const controllerManager = new ControlPlaneComponent('kube-controller-manager', bin('kube-controller-manager'), [
      ...kubeconfigArgs,
      '--authentication-kubeconfig', adminKubeconfigPath, '--authorization-kubeconfig', adminKubeconfigPath,
      '--bind-address', '127.0.0.1', '--secure-port', String(cmPort), '--leader-elect=false',
      '--controllers', [
        'deployment-controller', 'replicaset-controller', 'statefulset-controller', 'job-controller', 'cronjob-controller',
        'horizontal-pod-autoscaler-controller', 'garbage-collector-controller', 'namespace-controller',
        'serviceaccount-controller', 'serviceaccount-token-controller', 'disruption-controller',
        // Lifts the not-ready taint that admission puts on every new Node once kwok reports it Ready,
        // and watches the node leases kwok renews, as in a real cluster.
        'node-lifecycle-controller',
      ].join(','),
      '--horizontal-pod-autoscaler-sync-period', `${options.hpaSyncPeriodSeconds ?? 15}s`,
      '--service-account-private-key-file', pki.serviceAccountKeyPath, '--root-ca-file', pki.caCertPath,
      '--use-service-account-credentials=false',
      // The loopback cluster's objects are the harness's; let controllers write as fast as tests need.
      '--kube-api-qps', '200', '--kube-api-burst', '400', '--concurrent-deployment-syncs', '20', '--concurrent-replicaset-syncs', '20',
    ], directory);
    const scheduler = new ControlPlaneComponent('kube-scheduler', bin('kube-scheduler'), [
      ...kubeconfigArgs,
      '--authentication-kubeconfig', adminKubeconfigPath, '--authorization-kubeconfig', adminKubeconfigPath,
      '--bind-address', '127.0.0.1', '--secure-port', String(schedulerPort), '--leader-elect=false',
      '--kube-api-qps', '200', '--kube-api-burst', '400',
    ], directory);
    const kwok = new ControlPlaneComponent('kwok', bin('kwok'), [
      ...kubeconfigArgs, '--config', stagesPath,
      '--manage-all-nodes=false', '--manage-nodes-with-annotation-selector', 'kwok.x-k8s.io/node=fake',
      '--server-address', `127.0.0.1:${kwokPort}`, '--node-lease-duration-seconds', '40',
    ], directory);
    for (const component of [controllerManager, scheduler, kwok]) {
      components.push(component);
      component.start();
    }
    await Promise.all([
      waitForComponent(controllerManager, '/healthz', async () => (await httpsGet(`https://127.0.0.1:${cmPort}/healthz`, pki, { verify: false })).status === 200, 60_000),
      waitForComponent(scheduler, '/healthz', async () => (await httpsGet(`https://127.0.0.1:${schedulerPort}/healthz`, pki, { verify: false })).status === 200, 60_000),
      waitForComponent(kwok, '/healthz', async () => (await fetch(`http://127.0.0.1:${kwokPort}/healthz`)).ok, 60_000),
    ]);

    const kubectl: RealCluster['kubectl'] = async (args, kubectlOptions = {}) => {
      const child = execFileAsync('kubectl', ['--kubeconfig', kubectlOptions.kubeconfig ?? adminKubeconfigPath, ...args], {
        timeout: kubectlOptions.timeoutMs ?? 60_000,
        // A list of 20,000 pods as JSON is ~80 MB (the 10,000-workload grand shift).
        maxBuffer: 512 * 1024 * 1024,
      });
      if (kubectlOptions.input !== undefined) {
        child.child.stdin?.end(kubectlOptions.input);
      }
      try {
        const { stdout, stderr } = await child;
        return { code: 0, stdout, stderr };
      } catch (error) {
        const failed = error as { code?: number | string; stdout?: string; stderr?: string; message: string };
        // A killed or overflowing kubectl has an empty stderr: the error's message says what happened.
        return { code: typeof failed.code === 'number' ? failed.code : 1, stdout: failed.stdout ?? '', stderr: failed.stderr || failed.message };
      }
    };
    const kubectlOk: RealCluster['kubectlOk'] = async (args, kubectlOptions) => {
      const result = await kubectl(args, kubectlOptions);
      if (result.code !== 0) throw new Error(`kubectl ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
      return result.stdout;
    };
    const apply: RealCluster['apply'] = async (objects) => {
      await kubectlOk(['apply', '--server-side', '--force-conflicts', '-f', '-'], { input: objects.map((object) => stringify(object)).join('---\n') });
    };

    let nodeSerial = 0;
    const addNodes: RealCluster['addNodes'] = async (spec) => {
      const prefix = spec.namePrefix ?? 'kwok-node';
      const names: string[] = [];
      const nodes = Array.from({ length: spec.count }, () => {
        const name = `${prefix}-${nodeSerial++}`;
        names.push(name);
        const resources = { cpu: spec.cpu ?? '4', memory: spec.memory ?? '8Gi', pods: String(spec.pods ?? 110) };
        return {
          apiVersion: 'v1',
          kind: 'Node',
          metadata: {
            name,
            annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
            labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok', ...spec.labels },
          },
          spec: spec.taints !== undefined ? { taints: spec.taints } : {},
          status: { allocatable: resources, capacity: resources },
        };
      });
      await kubectlOk(['create', '-f', '-'], { input: nodes.map((node) => stringify(node)).join('---\n') });
      // Ready (kwok) and schedulable: the node lifecycle controller has lifted the not-ready taint.
      await waitForComponent(kwok, `nodes ${names[0]}… Ready and schedulable`, async () => {
        const list = JSON.parse((await kubectl(['get', 'nodes', '-o', 'json'])).stdout) as { items: { metadata: { name: string }; spec: { taints?: { key: string }[] }; status: { conditions?: { type: string; status: string }[] } }[] };
        const usable = new Set(list.items.filter((node) => node.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')
          && !(node.spec.taints ?? []).some((taint) => taint.key === 'node.kubernetes.io/not-ready')).map((node) => node.metadata.name));
        return names.every((name) => usable.has(name));
      }, 60_000);
      return names;
    };

    if ((options.nodes?.count ?? 4) > 0) await addNodes(options.nodes ?? { count: 4 });
    // Pods need their namespace's default ServiceAccount: wait for the controller that makes it.
    await waitForComponent(controllerManager, 'default ServiceAccount', async () => (await kubectl(['get', 'serviceaccount', 'default', '-n', 'default'])).code === 0, 60_000);
    const version = (JSON.parse((await httpsGet(`${apiUrl}/version`, pki)).body) as { gitVersion: string }).gitVersion;

    return {
      apiUrl,
      directory,
      adminKubeconfigPath,
      caCertPath: pki.caCertPath,
      version,
      startupMs: performance.now() - startedAt,
      auditLogPath,
      kubectl,
      kubectlOk,
      apply,
      addNodes,
      async serviceAccountToken(namespace, name, expirationSeconds = 3_600) {
        const out = await kubectlOk(['create', 'token', name, '-n', namespace, '--duration', `${expirationSeconds}s`]);
        return out.trim();
      },
      async writeTokenKubeconfig(fileName, token, tokenOptions = {}) {
        const path = join(directory, fileName);
        await writeFile(path, stringify({
          apiVersion: 'v1',
          kind: 'Config',
          'current-context': 'sa',
          clusters: [{ name: 'loopback', cluster: { server: tokenOptions.serverUrl ?? apiUrl, 'certificate-authority-data': Buffer.from(pki.caCertPem).toString('base64') } }],
          users: [{ name: 'sa', user: { token } }],
          contexts: [{ name: 'sa', context: { cluster: 'loopback', user: 'sa', namespace: tokenOptions.namespace ?? 'default' } }],
        }), { mode: 0o600 });
        return path;
      },
      async killApiServer() {
        await apiServer.kill();
      },
      async startApiServer() {
        apiServer.start();
        await apiReady();
      },
      logs() {
        return components.map((component) => `--- ${component.name} (${component.logPath}) ---\n${component.outputTail()}`).join('\n');
      },
      async stop() {
        await stopAll();
        await rm(directory, { recursive: true, force: true });
      },
    };
  } catch (error) {
    const tails = components.map((component) => `--- ${component.name} ---\n${component.outputTail()}`).join('\n');
    await stopAll();
    await rm(directory, { recursive: true, force: true });
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof MissingControlPlaneError) throw error;
    throw new Error(`the real control plane did not start: ${message}\n${tails}`, { cause: error });
  }
}
