/**
 * Operators' controls and Kubernetes Events on the real control plane (kube-apiserver, etcd,
 * controller-manager, scheduler, kwok nodes), chuanliu installed from manifests/base and the
 * controller running as its ServiceAccount (RBAC evaluated by the real authorizer):
 * - the Events it writes are accepted by the real API server (core/v1 with eventTime,
 *   reportingComponent, reportingInstance, action), de-duplicated: one Event whose count and
 *   series grow, shown by `kubectl describe` (selected by uid) and `kubectl get events`;
 * - `chuanliu pause` stops every write (audit log: no write by chuanliu while paused, though an
 *   override asks for more), the Paused Event lands on configmap/chuanliu-controls; `resume`
 *   continues;
 * - an override raises a floor and, past its expiry, stops applying by itself.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { seriesEndMs } from '../../src/domain/series.ts';
import { deploymentObject } from '../../src/kube-api/object-builders.ts';
import { freePort } from '../integration/helpers/free-port.ts';
import { startProcess, type RunningProcess } from '../integration/helpers/process.ts';
import { startRedis, type RedisServer } from '../integration/helpers/redis.ts';
import { auditedWrites, CHUANLIU_USER, getObject, installChuanliu, waitUntil } from './harness/chuanliu-on-cluster.ts';
import { startRealCluster, type RealCluster } from './harness/real-cluster.ts';

const run = promisify(execFile);
const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const BUCKET_MS = 30 * 60_000;
const HOLDER = 'ops-real';

/** SYNTHETIC inventory (sizes made up) around the real demand history. */
function configYaml(timeShiftMs: number): string {
  return `
planning: { slot: 30m, horizon: 6h, applyLatency: 1s, scaleInStabilization: 1m }
forecast: { bucket: 30m, history: 21d }
controller: { namespaces: [payments, batch] }
nodePools:
  - { name: general, perNode: { cpu: "4", memory: 8Gi }, baseNodes: 4 }
online:
  - name: payment
    ref: { kind: Deployment, namespace: payments }
    rpsPerReplica: 1
    perReplica: { cpu: 100m, memory: 64Mi }
    startup: { p50: 2s, p95: 3s }
    minReplicas: 2
    maxReplicas: 100
    demand: { kind: csv, path: ${JSON.stringify(TRACE)}, timeShift: ${timeShiftMs}ms }
offline:
  - { name: etl, ref: { kind: Deployment, namespace: batch }, maxReplicas: 8, perReplica: { cpu: 500m, memory: 256Mi }, drain: 1s }
`;
}

interface CoreEvent {
  readonly reason: string;
  readonly type: string;
  readonly message: string;
  readonly action?: string;
  readonly count?: number;
  readonly series?: { readonly count: number; readonly lastObservedTime: string };
  readonly reportingComponent?: string;
  readonly reportingInstance?: string;
  readonly eventTime?: string;
  readonly involvedObject: { readonly kind: string; readonly name: string; readonly namespace?: string; readonly uid?: string };
}

let cluster: RealCluster;
let redis: RedisServer;
let directory: string;
let saKubeconfig: string;
let configPath: string;
let controller: RunningProcess;

async function chuanliu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', ...args, '--kubeconfig', cluster.adminKubeconfigPath], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function chuanliuEvents(namespace: string): Promise<CoreEvent[]> {
  const list = JSON.parse(await cluster.kubectlOk(['get', 'events', '-n', namespace, '-o', 'json'])) as { items: CoreEvent[] };
  return list.items.filter((event) => event.reportingComponent === 'chuanliu.io/controller');
}

async function paymentReplicas(): Promise<number> {
  return (await getObject(cluster, 'deployment', 'payments', 'payment'))['spec']['replicas'] as number;
}

const inAnHour = (): string => new Date(Date.now() + 3_600_000).toISOString();

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-real-ops-'));
  cluster = await startRealCluster({ nodes: { count: 4, cpu: '4', memory: '8Gi' }, podReadyDelayMs: 2_000 });
  redis = await startRedis();
  saKubeconfig = await installChuanliu(cluster, { managedNamespaces: ['payments', 'batch'] });
  await cluster.apply([
    deploymentObject({ namespace: 'payments', name: 'payment', replicas: 2, cpu: '100m', memory: '64Mi' }),
    deploymentObject({ namespace: 'batch', name: 'etl', replicas: 4, cpu: '500m', memory: '256Mi' }),
  ]);
  const { series } = await readTraceFile(TRACE);
  configPath = join(directory, 'config.yaml');
  await writeFile(configPath, configYaml(Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS));
  const port = await freePort();
  controller = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redis.url, '--kubeconfig', saKubeconfig,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s', '--holder', HOLDER, '--resync-every', '1s',
  ]);
  await waitUntil('the controller follows its first plan', async () => /following plan plan-/.test(controller.output()), { timeoutMs: 120_000, process: controller, cluster });
}, 360_000);

afterAll(async () => {
  await controller?.stop();
  await redis?.stop();
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

describe('operators in charge, on the real control plane', () => {
  it('an override raises the floor; the API server accepts chuanliu\'s Events, de-duplicated, shown by describe', async () => {
    // Well above what the plan asks for payment (about 15 at 1 request/s per replica).
    const floor = 40;
    const added = await chuanliu('override', 'payment', '--config', configPath, '--min', String(floor), '--until', inAnHour(), '--by', 'sre-on-duty');
    expect(added.code, added.stderr).toBe(0);
    await waitUntil('payment raised to the floor', async () => (await paymentReplicas()) === floor, { timeoutMs: 90_000, process: controller });

    // Written by the controller (the SA kubeconfig is its only credential), accepted by the real API.
    await waitUntil('OverrideApplied seen again: one Event, count and series > 1', async () => {
      const applied = (await chuanliuEvents('payments')).filter((event) => event.reason === 'OverrideApplied');
      return applied.length === 1 && (applied[0]!.count ?? 0) > 1 && (applied[0]!.series?.count ?? 0) > 1;
    }, { timeoutMs: 60_000, process: controller });
    const events = await chuanliuEvents('payments');
    const applied = events.find((event) => event.reason === 'OverrideApplied')!;
    expect(applied).toMatchObject({
      type: 'Normal', action: 'ApplyOverride', reportingInstance: HOLDER,
      involvedObject: { kind: 'Deployment', namespace: 'payments', name: 'payment' },
    });
    expect(applied.eventTime).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
    expect(applied.involvedObject.uid).toBe((await getObject(cluster, 'deployment', 'payments', 'payment'))['metadata']['uid']);
    expect(events.some((event) => event.reason === 'ScaledForPeak' && new RegExp(`replicas \\d+→${floor}: operator override by sre-on-duty`).test(event.message))).toBe(true);
    const described = await cluster.kubectlOk(['describe', 'deployment', 'payment', '-n', 'payments']);
    // FROM is source.component; the Events are selected by the Deployment's uid.
    expect(described).toMatch(new RegExp(`Normal\\s+ScaledForPeak\\s+.*chuanliu-controller\\s+replicas \\d+→${floor}: operator override by sre-on-duty`));
    expect(described).toMatch(/Normal\s+OverrideApplied\s+.*\(x\d+ over/);
    const table = await cluster.kubectlOk(['get', 'events', '-n', 'payments']);
    expect(table).toMatch(/Normal\s+OverrideApplied\s+deployment\/payment\s+operator floor by sre-on-duty/);
  }, 300_000);

  it('pause stops every write, resume continues; the pause is told on configmap/chuanliu-controls', async () => {
    const paused = await chuanliu('pause', '--reason', 'drill', '--by', 'sre-on-duty');
    expect(paused.code, paused.stderr).toBe(0);
    await waitUntil('the controller says it is paused', async () => /reconcile paused: chuanliu paused by sre-on-duty/.test(controller.output()), { timeoutMs: 60_000, process: controller });
    const pausedAtMs = Date.now();
    const floor = (await paymentReplicas()) + 4;
    const raised = await chuanliu('override', 'payment', '--config', configPath, '--min', String(floor), '--until', inAnHour());
    expect(raised.code, raised.stderr).toBe(0);
    await waitUntil('a paused tick that would raise payment', async () => new RegExp(`nothing written \\(would write payment \\d+→${floor}\\)`).test(controller.output()), { timeoutMs: 60_000, process: controller });
    const chuanliuWrites = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && Date.parse(event.requestReceivedTimestamp) >= pausedAtMs);
    expect(chuanliuWrites).toEqual([]);
    expect(await paymentReplicas()).toBe(floor - 4);
    await waitUntil('Paused on configmap/chuanliu-controls', async () => (await chuanliuEvents('chuanliu-system')).some((event) => event.reason === 'Paused' && event.involvedObject.kind === 'ConfigMap' && event.involvedObject.name === 'chuanliu-controls'), { timeoutMs: 60_000, process: controller });
    expect((await chuanliuEvents('payments')).some((event) => event.reason === 'Paused' && /chuanliu is paused: replicas left at \d+ \(the plan asks \d+\)/.test(event.message))).toBe(true);

    const resumed = await chuanliu('resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    await waitUntil('payment raised after resume', async () => (await paymentReplicas()) === floor, { timeoutMs: 90_000, process: controller });
    expect((await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && Date.parse(event.requestReceivedTimestamp) >= pausedAtMs)).length).toBeGreaterThan(0);
    await waitUntil('Resumed on configmap/chuanliu-controls', async () => (await chuanliuEvents('chuanliu-system')).some((event) => event.reason === 'Resumed'), { timeoutMs: 60_000, process: controller });
  }, 300_000);

  it('an override stops applying by itself at its expiry', async () => {
    const before = await paymentReplicas();
    const untilMs = Date.now() + 90_000;
    const short = await chuanliu('override', 'payment', '--config', configPath, '--min', String(before + 3), '--until', new Date(untilMs).toISOString());
    expect(short.code, short.stderr).toBe(0);
    await waitUntil('the short override applied', async () => (await paymentReplicas()) === before + 3, { timeoutMs: 90_000, process: controller });
    await waitUntil('expired: payment below the floor again', async () => (await paymentReplicas()) < before + 3, { timeoutMs: 180_000, process: controller });
    // The annotation keeps whole seconds.
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(untilMs / 1000) * 1000);
    await waitUntil('OverrideExpired recorded', async () => (await chuanliuEvents('payments')).some((event) => event.reason === 'OverrideExpired'), { timeoutMs: 60_000, process: controller });
  }, 420_000);
});
