/**
 * The operators' controls on a running controller, with real processes: a real redis-server,
 * kube-api over HTTP, the real `chuanliu controller`, the real CLI and the real kubectl. An
 * override raises a floor (Events ScaledForPeak + OverrideApplied, seen by `kubectl get events`
 * and `kubectl describe`), `chuanliu pause` stops every write (said every tick), `resume`
 * continues, and the override stops applying by itself at its expiry. Bad input writes nothing.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/adapters/traces/read-trace.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { seriesEndMs } from '../../src/domain/series.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { freePort } from './helpers/free-port.ts';
import { requireBinary, startProcess, waitUntil, type RunningProcess } from './helpers/process.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const BUCKET_MS = 30 * 60_000;
const run = promisify(execFile);

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
let configPath: string;
let kubeconfigPath: string;
let kubectlPath: string;

async function chuanliu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', ...args, '--kubeconfig', kubeconfigPath], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? 1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(kubectlPath, ['--kubeconfig', kubeconfigPath, '--cache-dir', join(directory, 'cache'), ...args], { timeout: 30_000 });
  return stdout;
}

interface KubeEvent {
  readonly reason?: string;
  readonly count?: number;
  readonly message?: string;
  readonly involvedObject: { readonly uid?: string };
  readonly [field: string]: unknown;
}

function paymentReplicas(): number {
  return Number((kube.store.get(Types.deployment, 'shop', 'payment')?.['spec'] as { replicas?: number } | undefined)?.replicas);
}

function writesOfPaymentSince(sinceSeq: number): number {
  return kube.requestLog.list({ sinceSeq }).filter((entry) => entry.name === 'payment' && entry.verb === 'patch' && entry.status < 300).length;
}

beforeAll(async () => {
  kubectlPath = requireBinary('kubectl', 'install kubectl (e.g. apt-get install -y kubectl) and put it on PATH');
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-operator-'));
  const { series } = await readTraceFile(TRACE);
  const timeShiftMs = Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS;
  configPath = join(directory, 'config.yaml');
  const text = configYaml(timeShiftMs);
  await writeFile(configPath, text);
  const config = parseConfigText(text, configPath);
  redis = await startRedis();
  kube = await startKubeApi({
    clock: systemClock, podStartupMs: 1_000,
    objects: [...inventoryObjects(config.inventory), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chuanliu-system' } }],
  });
  kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  const port = await freePort();
  controller = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s', '--holder', 'ops-live', '--resync-every', '1s',
  ]);
  await waitUntil('the controller follows its first plan', async () => /following plan plan-/.test(controller.output()), { process: controller, timeoutMs: 60_000, intervalMs: 200 });
}, 90_000);

afterAll(async () => {
  await controller?.stop();
  await kube?.close();
  await redis?.stop();
  if (directory) await rm(directory, { recursive: true, force: true });
});

describe('operators in charge of a running controller', () => {
  it('refuses bad input with a clear error and writes nothing', async () => {
    const since = kube.requestLog.lastSeq;
    const inFuture = new Date(Date.now() + 3_600_000).toISOString();
    const cases: Array<[string[], RegExp]> = [
      [['override', 'payment', '--config', configPath, '--min', '-1', '--until', inFuture], /--min: "-1" is not a whole number/],
      [['override', 'payment', '--config', configPath, '--min', '5', '--until', '2020-01-01T00:00:00Z'], /--until: "2020-01-01T00:00:00Z" is in the past/],
      [['override', 'payment', '--config', configPath, '--min', '500', '--until', inFuture], /--min: 500 is above payment's maximum of 200/],
      [['override', 'checkout', '--config', configPath, '--min', '5', '--until', inFuture], /no workload "checkout" in the config's inventory/],
      [['override', 'deployment/nothing-here', '-n', 'shop', '--min', '5', '--until', inFuture], /no Deployment "nothing-here" in namespace shop/],
      [['override', 'payment', '--config', configPath, '--min', '5'], /--until: required/],
    ];
    for (const [args, message] of cases) {
      const result = await chuanliu(...args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
    // Nothing written by the CLI (the running controller writes its own Events and plan meanwhile, so
    // the check is on what the CLI would have written: the override annotations, the unknown object).
    const annotations = kube.store.get(Types.deployment, 'shop', 'payment')?.metadata.annotations ?? {};
    expect(Object.keys(annotations).filter((key) => key.startsWith('chuanliu.io/override'))).toEqual([]);
    const touched = kube.requestLog.list({ sinceSeq: since }).filter((entry) => entry.name === 'nothing-here' && entry.verb !== 'get');
    expect(touched).toEqual([]);
  }, 400_000);

  it('override raises the floor; Events tell it in kubectl get events and kubectl describe', async () => {
    const before = paymentReplicas();
    const floor = before + 7;
    const added = await chuanliu('override', 'payment', '--config', configPath, '--min', String(floor), '--until', new Date(Date.now() + 3_600_000).toISOString(), '--by', 'sre-on-duty');
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toMatch(new RegExp(`deployment/payment in shop: at least ${floor} replicas until`));
    await waitUntil('payment raised to the floor', async () => paymentReplicas() === floor, { process: controller, timeoutMs: 30_000, intervalMs: 200 });

    await waitUntil('ScaledForPeak and OverrideApplied in kubectl get events', async () => {
      const events = await kubectl('get', 'events', '-n', 'shop');
      return /ScaledForPeak/.test(events) && /OverrideApplied/.test(events);
    }, { process: controller, timeoutMs: 30_000, intervalMs: 500 });
    const listed = JSON.parse(await kubectl('get', 'events', '-n', 'shop', '-o', 'json')) as { items: KubeEvent[] };
    const applied = listed.items.find((event) => event['reason'] === 'OverrideApplied')!;
    expect(applied).toMatchObject({
      type: 'Normal', action: 'ApplyOverride', reportingComponent: 'chuanliu.io/controller', reportingInstance: 'ops-live',
      involvedObject: { kind: 'Deployment', namespace: 'shop', name: 'payment' },
    });
    expect(applied.involvedObject.uid).toMatch(/.+/);
    expect(applied['message']).toMatch(new RegExp(`operator floor by sre-on-duty: at least ${floor} replicas until`));
    // Said on every resync tick: one Event, its count growing (de-duplicated).
    await waitUntil('OverrideApplied seen more than once', async () => {
      const again = JSON.parse(await kubectl('get', 'events', '-n', 'shop', '-o', 'json')) as { items: KubeEvent[] };
      const items = again.items.filter((event) => event['reason'] === 'OverrideApplied');
      return items.length === 1 && Number(items[0]!['count']) > 1;
    }, { process: controller, timeoutMs: 30_000, intervalMs: 500 });
    const described = await kubectl('describe', 'deployment', 'payment', '-n', 'shop');
    expect(described).toMatch(/Normal\s+ScaledForPeak\s+.*replicas \d+→\d+: operator override by sre-on-duty/);
    expect(described).toMatch(/Normal\s+OverrideApplied/);

    const status = await chuanliu('status', '--config', configPath, '--redis', redis.url);
    expect(status.stdout).toMatch(new RegExp(`override active: payment at least ${floor} until .* \\(by sre-on-duty\\)`));
    expect(status.stdout).toMatch(/not paused/);
  }, 300_000);

  it('pause: nothing is written while paused, said every tick; resume: writes continue', async () => {
    const paused = await chuanliu('pause', '--reason', 'drill', '--by', 'sre-on-duty');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(/chuanliu paused by sre-on-duty since .* \(drill\)/);
    await waitUntil('the controller says it is paused', async () => /reconcile paused: chuanliu paused by sre-on-duty/.test(controller.output()), { process: controller, timeoutMs: 30_000, intervalMs: 200 });
    const since = kube.requestLog.lastSeq;
    const floor = paymentReplicas() + 5;
    const raised = await chuanliu('override', 'payment', '--config', configPath, '--min', String(floor), '--until', new Date(Date.now() + 3_600_000).toISOString());
    expect(raised.code, raised.stderr).toBe(0);
    await waitUntil('a paused tick that would raise payment', async () => new RegExp(`nothing written \\(would write payment \\d+→${floor}\\)`).test(controller.output()), { process: controller, timeoutMs: 30_000, intervalMs: 200 });
    // The override's own annotation patch is the only write to payment: chuanliu wrote nothing.
    expect(writesOfPaymentSince(since)).toBe(1);
    expect(paymentReplicas()).toBe(floor - 5);
    const status = await chuanliu('status', '--config', configPath, '--redis', redis.url);
    expect(status.stdout).toMatch(/PAUSED: chuanliu paused by sre-on-duty since .* \(drill\); the controller writes nothing/);
    await waitUntil('Paused on the pause switch\'s ConfigMap', async () => /Paused\s+configmap\/chuanliu-controls/i.test(await kubectl('get', 'events', '-n', 'chuanliu-system')), { timeoutMs: 30_000, intervalMs: 500 });

    const resumed = await chuanliu('resume');
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/chuanliu resumed \(it was paused by sre-on-duty/);
    await waitUntil('payment raised after resume', async () => paymentReplicas() === floor, { process: controller, timeoutMs: 30_000, intervalMs: 200 });
    expect(await kubectl('get', 'events', '-n', 'chuanliu-system')).toMatch(/Resumed/);
  }, 300_000);

  it('an override expires by itself: the plan alone applies again; --clear removes it', async () => {
    const before = paymentReplicas();
    // Long enough for the CLI to start (seconds under load) and a resync tick to apply it.
    const untilMs = Date.now() + 60_000;
    const short = await chuanliu('override', 'payment', '--config', configPath, '--min', String(before + 3), '--until', new Date(untilMs).toISOString());
    expect(short.code, short.stderr).toBe(0);
    await waitUntil('the short override applied', async () => paymentReplicas() === before + 3, { timeoutMs: 60_000, intervalMs: 200 })
      .catch((error: Error) => {
        throw new Error(`${error.message}; payment ${paymentReplicas()}, now ${new Date().toISOString()}, annotations ${JSON.stringify(kube.store.get(Types.deployment, 'shop', 'payment')?.metadata.annotations)}\n${controller.output().split('\n').slice(-15).join('\n')}`);
      });
    // Nobody removes it: past its expiry it no longer holds payment up, and the plan's level returns.
    await waitUntil('expired: back below the floor', async () => paymentReplicas() < before + 3, { process: controller, timeoutMs: 120_000, intervalMs: 250 });
    // The annotation keeps whole seconds.
    expect(Date.now()).toBeGreaterThanOrEqual(Math.floor(untilMs / 1000) * 1000);
    await waitUntil('OverrideExpired in kubectl get events', async () => /OverrideExpired/.test(await kubectl('get', 'events', '-n', 'shop')), { timeoutMs: 60_000, intervalMs: 500 });
    const status = await chuanliu('status', '--config', configPath, '--redis', redis.url);
    expect(status.stdout).toMatch(/override expired: payment at least/);

    const cleared = await chuanliu('override', 'payment', '--config', configPath, '--clear');
    expect(cleared.code, cleared.stderr).toBe(0);
    const annotations = kube.store.get(Types.deployment, 'shop', 'payment')?.metadata.annotations ?? {};
    expect(Object.keys(annotations).filter((key) => key.startsWith('chuanliu.io/override'))).toEqual([]);
  }, 300_000);
});
