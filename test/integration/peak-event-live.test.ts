/**
 * A short-notice event on a running controller, end to end with real processes and no mocks: a
 * real redis-server, kube-api over HTTP (pods Ready 2 s after they are asked for), and the real
 * `chuanliu controller` process planning from a real demand history (the NAB NYC taxi trace,
 * time-shifted so that it ends now). A PeakEvent is created 20 minutes before its start while the
 * controller runs; measured: created → first write of the event's workload, and → CapacityReady.
 * Then a broken config is written: the controller keeps the last good one and says so.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesPeakEvents } from '../../src/adapters/kubernetes/peak-events.ts';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { seriesEndMs } from '../../src/domain/series.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { freePort } from './helpers/free-port.ts';
import { startProcess, waitUntil, type RunningProcess } from './helpers/process.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const BUCKET_MS = 30 * 60_000;

/** SYNTHETIC inventory (sizes made up) around a real demand history. */
function configYaml(timeShiftMs: number): string {
  return `
planning: { slot: 30m, horizon: 6h, applyLatency: 1s, scaleInStabilization: 1m }
forecast: { bucket: 30m, history: 21d }
controller: { namespaces: [shop, batch] }
nodePools:
  - { name: general, perNode: { cpu: "8", memory: 32Gi }, baseNodes: 4 }
online:
  - name: payment
    ref: { kind: Deployment, namespace: shop }
    rpsPerReplica: 1
    perReplica: { cpu: 100m, memory: 128Mi }
    startup: { p50: 1s, p95: 2s }
    minReplicas: 2
    maxReplicas: 200
    demand: { kind: csv, path: ${JSON.stringify(TRACE)}, timeShift: ${timeShiftMs}ms }
offline:
  - { name: etl, ref: { kind: Deployment, namespace: batch }, maxReplicas: 40, perReplica: { cpu: 500m, memory: 512Mi }, drain: 1s }
`;
}

let directory: string;
let redis: RedisServer;
let kube: RunningKubeApi;
let controller: RunningProcess;
let metricsUrl: string;
let events: KubernetesPeakEvents;
let configPath: string;
let goodConfig: string;
let kubeconfigPath: string;
const run = promisify(execFile);

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-peak-live-'));
  const { series } = await readTraceFile(TRACE);
  // Shift whole buckets so the history ends within the last bucket before now.
  const timeShiftMs = Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS;
  configPath = join(directory, 'config.yaml');
  goodConfig = configYaml(timeShiftMs);
  await writeFile(configPath, goodConfig);
  const config = parseConfigText(goodConfig, configPath);
  redis = await startRedis();
  kube = await startKubeApi({ clock: systemClock, podStartupMs: 2_000, objects: inventoryObjects(config.inventory) });
  kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  events = new KubernetesPeakEvents({ kubeConfig, namespaces: ['shop'] });
  const port = await freePort();
  metricsUrl = `http://127.0.0.1:${port}`;
  controller = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s', '--holder', 'live',
  ]);
  await waitUntil('the controller follows its first plan', async () => /following plan plan-/.test(controller.output()), { process: controller, timeoutMs: 60_000, intervalMs: 200 });
}, 90_000);

afterAll(async () => {
  await controller?.stop();
  events?.close();
  await kube?.close();
  await redis?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

function paymentScaleWrites(sinceMs: number): number[] {
  return kube.requestLog.list({ verb: 'patch', subresource: 'scale' })
    .filter((entry) => entry.name === 'payment' && entry.status >= 200 && entry.status < 300 && entry.atMs >= sinceMs)
    .map((entry) => entry.atMs);
}

describe('a PeakEvent on a running controller', () => {
  it('created 20 min ahead: written within 60 s, Ready before the start, status tells the story', async () => {
    const readyBefore = (kube.store.get(Types.deployment, 'shop', 'payment')?.['status'] as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
    const startMs = Date.now() + 20 * 60_000;
    const createdAtMs = Date.now();
    await events.create({
      metadata: { name: 'flash-sale', namespace: 'shop' },
      spec: { kind: 'livestream', start: new Date(startMs).toISOString().replace(/\.\d+Z$/, 'Z'), timeZone: 'UTC', duration: '30m', ramp: '2m', expectedRps: { payment: 60 } },
    });
    await waitUntil('a scale write of payment after the PeakEvent', async () => paymentScaleWrites(createdAtMs).length > 0, { process: controller, timeoutMs: 60_000, intervalMs: 100 });
    const firstWriteMs = paymentScaleWrites(createdAtMs)[0]! - createdAtMs;
    expect(firstWriteMs).toBeLessThanOrEqual(60_000);

    await waitUntil('CapacityReady=True on the PeakEvent', async () => {
      const object = await events.get('shop', 'flash-sale');
      return object?.status?.conditions?.some((condition) => condition.type === 'CapacityReady' && condition.status === 'True') === true;
    }, { process: controller, timeoutMs: 60_000, intervalMs: 250 });
    const readyMs = Date.now() - createdAtMs;
    expect(Date.now()).toBeLessThan(startMs);
    const status = (await events.get('shop', 'flash-sale'))!.status!;
    expect(status.planId).toMatch(/^plan-/);
    expect(status.workloads).toBe('payment');
    expect(status.state).toBe('Ready');
    expect(status.conditions?.find((condition) => condition.type === 'Accepted')).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(status.conditions?.find((condition) => condition.type === 'Planned')?.message).toMatch(/starts in \d+m.*; payment needs .*; fits/);
    expect(status.conditions?.find((condition) => condition.type === 'CapacityReady')?.message).toMatch(/^payment (\d+)\/\1 Ready at|^payment \d+\/\d+ Ready at/);
    const deployment = kube.store.get(Types.deployment, 'shop', 'payment');
    // 60 rps more at the top of a pulse that a 30-min slot averages (rise 2m, half-life 7.5m): about
    // 20 replicas more than before at 1 rps each, and really Ready.
    expect((deployment?.['status'] as { readyReplicas: number }).readyReplicas).toBeGreaterThanOrEqual(readyBefore + 10);
    process.stdout.write(`peak-event-live: created → first write ${firstWriteMs} ms, → CapacityReady ${readyMs} ms\n`);
  }, 150_000);

  it('cancelled: out of the plan at once, the status says so', async () => {
    await events.patchSpec('shop', 'flash-sale', { cancelled: true });
    await waitUntil('Planned=False (Cancelled)', async () => (await events.get('shop', 'flash-sale'))?.status?.state === 'Cancelled', { process: controller, timeoutMs: 60_000, intervalMs: 250 });
    expect(controller.output()).toMatch(/the events of payment changed \(peakEvents\): re-forecasting and re-planning now/);
  }, 90_000);

  it('an invalid PeakEvent is refused by the API server with a readable message', async () => {
    await expect(events.create({ metadata: { name: 'bad', namespace: 'shop' }, spec: { kind: 'livestream', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '30m', uplift: 0.5 } }))
      .rejects.toThrow(/spec\.uplift: Invalid value: "number": uplift must be a factor above 1/);
  });

  it('a broken config keeps the last good one: error log, metric, still running', async () => {
    await writeFile(configPath, goodConfig.replace('rpsPerReplica: 1', 'rpsPerReplica: -1'));
    await waitUntil('the reload failure is counted', async () => {
      const text = await (await fetch(`${metricsUrl}/metrics`)).text();
      return /chuanliu_config_reload_failures_total\{part="config"\} [1-9]/.test(text);
    }, { process: controller, timeoutMs: 30_000, intervalMs: 250 });
    expect(controller.output()).toMatch(/"level":(50|"error").*reload failed: .*rpsPerReplica.*keeping the last good config/);
    expect(controller.exited()).toBe(false);
    // `chuanliu status` shows the condition while the last good config stands in, and its end.
    // The operator's own copy of the config: the controller's file is the broken one.
    const operatorConfig = join(directory, 'operator-config.yaml');
    await writeFile(operatorConfig, goodConfig);
    let lastStatus = '';
    const status = async (): Promise<string> => {
      // status exits 1 while workloads are off the plan; its report is on stdout either way.
      const answer = await run(process.execPath, ['bin/chuanliu.js', 'status', '--config', operatorConfig, '--redis', redis.url, '--kubeconfig', kubeconfigPath])
        .catch((error: { stdout?: string; stderr?: string }) => ({ stdout: `${error.stdout ?? ''}${error.stderr ?? ''}` }));
      lastStatus = answer.stdout;
      return answer.stdout;
    };
    await waitUntil('InputsLoaded=False in status', async () => /InputsLoaded=False \(ReloadFailed\) since .*: config: .*rpsPerReplica.*keeping the last good config/.test(await status()), { timeoutMs: 30_000, intervalMs: 500 })
      .catch((error: Error) => { throw new Error(`${error.message}\nlast status:\n${lastStatus}`); });
    await writeFile(configPath, goodConfig);
    await waitUntil('InputsLoaded=True in status', async () => /InputsLoaded=True \(Loaded\)/.test(await status()), { timeoutMs: 30_000, intervalMs: 500 });
  }, 60_000);
});
