/**
 * PeakEvents on the real control plane (kube-apiserver, etcd, controller-manager, scheduler, kwok
 * nodes), chuanliu installed from manifests/base (the CRD included) and running as its
 * ServiceAccount, planning from a real demand history (the NAB NYC taxi trace, time-shifted to end
 * now): the API server's own validation refuses bad PeakEvents with the CRD's messages; a PeakEvent
 * added with `chuanliu event add` 20 minutes before its start is written within 60 s and Ready
 * before the start (writes from the audit log, readiness from the real pods); cancelled, the
 * capacity goes back after the stabilization; a broken config keeps the last good one.
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

let cluster: RealCluster;
let redis: RedisServer;
let directory: string;
let kubeconfig: string;
let configPath: string;
let goodConfig: string;
let controller: RunningProcess;
let metricsUrl: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-real-peak-'));
  cluster = await startRealCluster({ nodes: { count: 4, cpu: '4', memory: '8Gi' }, podReadyDelayMs: 2_000 });
  redis = await startRedis();
  kubeconfig = await installChuanliu(cluster, { managedNamespaces: ['payments', 'batch'] });
  await cluster.apply([
    deploymentObject({ namespace: 'payments', name: 'payment', replicas: 2, cpu: '100m', memory: '64Mi' }),
    deploymentObject({ namespace: 'batch', name: 'etl', replicas: 4, cpu: '500m', memory: '256Mi' }),
  ]);
  const { series } = await readTraceFile(TRACE);
  goodConfig = configYaml(Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS);
  configPath = join(directory, 'config.yaml');
  await writeFile(configPath, goodConfig);
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}`;
  controller = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redis.url, '--kubeconfig', kubeconfig,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s', '--holder', 'real-peak',
  ]);
  await waitUntil('the controller follows its first plan', async () => /following plan plan-/.test(controller.output()), { timeoutMs: 90_000, process: controller, cluster });
}, 300_000);

afterAll(async () => {
  await controller?.stop();
  await redis?.stop();
  await cluster?.stop();
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
});

function peakEvent(name: string, spec: Record<string, unknown>): object {
  return { apiVersion: 'chuanliu.io/v1alpha1', kind: 'PeakEvent', metadata: { name, namespace: 'payments' }, spec };
}

const VALID = { kind: 'livestream', start: '2026-11-11T20:05', timeZone: 'Asia/Shanghai', duration: '30m', expectedRps: { payment: 40 } };

describe('PeakEvents on the real control plane', () => {
  it('the API server refuses invalid PeakEvents with the CRD\'s messages, and prints its columns', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...VALID, expectedRps: undefined, uplift: 0.5 }, /uplift must be a factor above 1/],
      [{ ...VALID, uplift: 2 }, /give exactly one of uplift/],
      [{ ...VALID, kind: 'blackout' }, /spec\.kind: Unsupported value: "blackout"/],
      [{ ...VALID, duration: '10m', ramp: '20m' }, /ramp must be no longer than the duration/],
      [{ ...VALID, timeZone: 'not a zone' }, /timeZone must be an IANA name/],
      [{ ...VALID, start: 'tonight' }, /start must be ISO 8601/],
    ];
    for (const [spec, message] of cases) {
      const result = await cluster.kubectl(['apply', '-f', '-'], { input: JSON.stringify(peakEvent('bad', spec)) });
      expect(result.code, JSON.stringify(spec)).not.toBe(0);
      expect(result.stderr, JSON.stringify(spec)).toMatch(message);
    }
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(peakEvent('columns', VALID)) });
    const table = await cluster.kubectlOk(['get', 'peakevents', '-n', 'payments']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+KIND\s+START\s+DURATION\s+WORKLOADS\s+LEAD\s+STATE\s+AGE$/);
    await cluster.kubectlOk(['delete', 'peakevent', 'columns', '-n', 'payments']);
  }, 60_000);

  it('a zone CEL cannot judge is refused by chuanliu: Accepted=False with the reason', async () => {
    await cluster.kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(peakEvent('mars', { ...VALID, timeZone: 'Mars/Olympus' })) });
    await waitUntil('Accepted=False on the PeakEvent', async () => {
      const object = await getObject(cluster, 'peakevent', 'payments', 'mars');
      return (object['status']?.['conditions'] ?? []).some((condition: { type: string; status: string }) => condition.type === 'Accepted' && condition.status === 'False');
    }, { timeoutMs: 30_000, process: controller });
    const accepted = (await getObject(cluster, 'peakevent', 'payments', 'mars'))['status']['conditions'].find((condition: { type: string }) => condition.type === 'Accepted');
    expect(accepted.message).toMatch(/spec\.timeZone: expected an IANA time zone that exists/);
    await cluster.kubectlOk(['delete', 'peakevent', 'mars', '-n', 'payments']);
  }, 60_000);

  it('added 20 min ahead with `chuanliu event add`: written within 60 s, Ready before the start; cancelled: handed back', async () => {
    const before = (await getObject(cluster, 'deployment', 'payments', 'payment'))['spec']['replicas'] as number;
    const startMs = Date.now() + 20 * 60_000;
    const adminKubeconfig = cluster.adminKubeconfigPath;
    const added = await run(process.execPath, [
      'bin/chuanliu.js', 'event', 'add', 'flash', '-n', 'payments', '--kind', 'livestream', '--start', new Date(startMs).toISOString().replace(/\.\d+Z$/, 'Z'),
      '--tz', 'UTC', '--duration', '30m', '--ramp', '2m', '--rps', 'payment=60', '--config', configPath, '--kubeconfig', adminKubeconfig,
    ]);
    expect(added.stdout).toMatch(/peakevent\.chuanliu\.io\/flash created in payments/);
    const createdAtMs = Date.parse((await getObject(cluster, 'peakevent', 'payments', 'flash'))['metadata']['creationTimestamp'] as string);

    const isPaymentWrite = (event: { user: { username: string }; objectRef?: { namespace?: string; name?: string; resource?: string } }): boolean =>
      event.user.username === CHUANLIU_USER && event.objectRef?.resource === 'deployments' && event.objectRef.namespace === 'payments' && event.objectRef.name === 'payment';
    await waitUntil('chuanliu writes payment after the PeakEvent', async () => (await auditedWrites(cluster, (event) => isPaymentWrite(event) && Date.parse(event.requestReceivedTimestamp) >= createdAtMs)).length > 0, { timeoutMs: 60_000, process: controller });
    const firstWrite = (await auditedWrites(cluster, (event) => isPaymentWrite(event) && Date.parse(event.requestReceivedTimestamp) >= createdAtMs))[0]!;
    // creationTimestamp has whole seconds: the delay is at most this plus one second.
    const toFirstWriteMs = Date.parse(firstWrite.requestReceivedTimestamp) - createdAtMs;
    expect(toFirstWriteMs).toBeLessThanOrEqual(60_000);

    await waitUntil('CapacityReady=True', async () => {
      const object = await getObject(cluster, 'peakevent', 'payments', 'flash');
      return (object['status']?.['conditions'] ?? []).some((condition: { type: string; status: string }) => condition.type === 'CapacityReady' && condition.status === 'True');
    }, { timeoutMs: 120_000, process: controller });
    const toReadyMs = Date.now() - createdAtMs;
    expect(Date.now()).toBeLessThan(startMs);
    const raised = await getObject(cluster, 'deployment', 'payments', 'payment');
    expect(raised['status']['readyReplicas']).toBeGreaterThanOrEqual(before + 10);
    const status = (await getObject(cluster, 'peakevent', 'payments', 'flash'))['status'];
    expect(status['state']).toBe('Ready');
    expect(status['planId']).toMatch(/^plan-/);
    process.stdout.write(`real-cluster peak event: created → first write ${toFirstWriteMs} ms, → CapacityReady ${toReadyMs} ms (replicas ${before} → ${raised['status']['readyReplicas']})\n`);

    await run(process.execPath, ['bin/chuanliu.js', 'event', 'cancel', 'flash', '-n', 'payments', '--kubeconfig', adminKubeconfig]);
    await waitUntil('payment handed back after the stabilization', async () => (await getObject(cluster, 'deployment', 'payments', 'payment'))['spec']['replicas'] <= before + 2, { timeoutMs: 180_000, process: controller });
    expect((await getObject(cluster, 'peakevent', 'payments', 'flash'))['status']['state']).toBe('Cancelled');
  }, 420_000);

  it('a broken config reload keeps the last good one: error log, metric, still running', async () => {
    await writeFile(configPath, goodConfig.replace('rpsPerReplica: 1', 'rpsPerReplica: -1'));
    await waitUntil('the reload failure is counted', async () => /chuanliu_config_reload_failures_total\{part="config"\} [1-9]/.test(await (await fetch(`${metricsUrl}/metrics`)).text()), { timeoutMs: 30_000, process: controller });
    expect(controller.output()).toMatch(/reload failed: .*rpsPerReplica.*keeping the last good config/);
    expect(controller.exited()).toBe(false);
    await writeFile(configPath, goodConfig);
  }, 60_000);
});
