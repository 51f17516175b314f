/**
 * Short-notice event benchmark: how long from a PeakEvent being created on a running controller to
 * chuanliu's first write of the event's workload, and to that capacity being Ready. The real
 * `chuanliu controller` process plans from a real demand history (the NAB NYC taxi trace,
 * time-shifted to end now; the inventory is SYNTHETIC) on a real redis-server, writing over HTTP to
 * kube-api (pods Ready 2 s after they are asked for).
 *
 * Baseline, same run, same machine: the same controller without the change watch (`--watch-every
 * off`), which takes the event at its next scheduled plan cycle — at `--plan-every 1m`, the shortest
 * schedule the docs suggest (the default is 5m). Target (fails the part): chuanliu's median time to
 * the first write at most half the baseline's. The ≤ 60 s goal is reported, never failed on.
 *
 * Run alone: `npx tsx bench/peak-event.ts [--quick]`; `peakEventBenchPart` plugs into bench/run.ts.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { KubernetesPeakEvents } from '../src/adapters/kubernetes/peak-events.ts';
import { readTraceFile } from '../src/adapters/traces/read-trace.ts';
import { parseConfigText } from '../src/config/load-config.ts';
import { seriesEndMs } from '../src/domain/series.ts';
import { inventoryObjects } from '../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../src/kube-api/kube-api.ts';
import { Types } from '../src/kube-api/resources.ts';
import { systemClock } from '../src/kube-api/system-clock.ts';
import { freePort } from '../test/integration/helpers/free-port.ts';
import { startProcess, waitUntil } from '../test/integration/helpers/process.ts';
import { startRedis } from '../test/integration/helpers/redis.ts';
import type { BenchPart, BenchPartResult } from './part.ts';

const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const BUCKET_MS = 30 * 60_000;
const GOAL_FIRST_WRITE_MS = 60_000;
const MAX_RATIO_TO_BASELINE = 0.5;

function configYaml(timeShiftMs: number): string {
  return `
# SYNTHETIC inventory around a real demand history (NAB NYC taxi, time-shifted to end now).
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
    maxReplicas: 250
    demand: { kind: csv, path: ${JSON.stringify(TRACE)}, timeShift: ${timeShiftMs}ms }
offline:
  - { name: etl, ref: { kind: Deployment, namespace: batch }, maxReplicas: 40, perReplica: { cpu: 500m, memory: 512Mi }, drain: 1s }
`;
}

interface EventTiming {
  readonly firstWriteMs: number;
  readonly readyMs: number;
}

/** One controller (with or without the watch), `events` PeakEvents one after the other. */
async function measure(mode: 'chuanliu' | 'baseline', events: number, log: (line: string) => void): Promise<EventTiming[]> {
  const directory = await mkdtemp(join(tmpdir(), `chuanliu-bench-peak-${mode}-`));
  const redis = await startRedis();
  const { series } = await readTraceFile(TRACE);
  const yaml = configYaml(Math.floor((Date.now() - seriesEndMs(series)) / BUCKET_MS) * BUCKET_MS);
  const configPath = join(directory, 'config.yaml');
  await writeFile(configPath, yaml);
  const kube = await startKubeApi({ clock: systemClock, podStartupMs: 2_000, objects: inventoryObjects(parseConfigText(yaml, configPath).inventory) });
  const kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(kube.kubeconfig());
  const store = new KubernetesPeakEvents({ kubeConfig, namespaces: ['shop'] });
  const port = await freePort();
  const controller = startProcess(process.execPath, [
    'bin/chuanliu.js', 'controller', '--config', configPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
    '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--holder', `bench-${mode}`,
    ...(mode === 'baseline' ? ['--watch-every', 'off', '--plan-every', '1m'] : []),
  ]);
  const timings: EventTiming[] = [];
  try {
    await waitUntil('the controller follows its first plan', async () => /following plan plan-/.test(controller.output()), { process: controller, timeoutMs: 90_000, intervalMs: 200 });
    for (let index = 0; index < events; index++) {
      // Each event asks for more than the ones before, so each needs a write of its own.
      const createdAtMs = Date.now();
      const startMs = createdAtMs + 20 * 60_000;
      await store.create({
        metadata: { name: `flash-${index}`, namespace: 'shop' },
        spec: { kind: 'livestream', start: new Date(startMs).toISOString().replace(/\.\d+Z$/, 'Z'), timeZone: 'UTC', duration: '30m', ramp: '2m', expectedRps: { payment: 60 + 40 * index } },
      });
      const writes = (): number[] => kube.requestLog.list({ verb: 'patch', subresource: 'scale' })
        .filter((entry) => entry.name === 'payment' && entry.status >= 200 && entry.status < 300 && entry.atMs >= createdAtMs).map((entry) => entry.atMs);
      await waitUntil(`${mode}: first write after flash-${index}`, async () => writes().length > 0, { process: controller, timeoutMs: 150_000, intervalMs: 50 });
      const firstWriteMs = writes()[0]! - createdAtMs;
      await waitUntil(`${mode}: payment Ready after flash-${index}`, async () => {
        const object = kube.store.get(Types.deployment, 'shop', 'payment');
        const spec = (object?.['spec'] as { replicas?: number } | undefined)?.replicas ?? 0;
        const ready = (object?.['status'] as { readyReplicas?: number } | undefined)?.readyReplicas ?? 0;
        return ready >= spec;
      }, { process: controller, timeoutMs: 60_000, intervalMs: 50 });
      timings.push({ firstWriteMs, readyMs: Date.now() - createdAtMs });
      log(`${mode}: flash-${index} first write ${(firstWriteMs / 1000).toFixed(1)} s, Ready ${((Date.now() - createdAtMs) / 1000).toFixed(1)} s`);
    }
  } finally {
    await controller.stop();
    store.close();
    await kube.close();
    await redis.stop();
    await rm(directory, { recursive: true, force: true });
  }
  return timings;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

export const peakEventBenchPart: BenchPart = {
  id: 'peak-event',
  async run({ quick, log }): Promise<BenchPartResult> {
    const events = quick ? 2 : 4;
    const chuanliu = await measure('chuanliu', events, log);
    const baseline = await measure('baseline', events, log);
    const chuanliuFirst = median(chuanliu.map((timing) => timing.firstWriteMs));
    const baselineFirst = median(baseline.map((timing) => timing.firstWriteMs));
    const ratio = chuanliuFirst / baselineFirst;
    const failures = ratio <= MAX_RATIO_TO_BASELINE ? [] : [`peak-event: median time to the first write is ${ratio.toFixed(2)}× the baseline's (target ≤ ${MAX_RATIO_TO_BASELINE})`];
    const row = (name: string, timings: readonly EventTiming[]): string =>
      `| ${name} | ${timings.length} | ${seconds(median(timings.map((timing) => timing.firstWriteMs)))} | ${seconds(Math.max(...timings.map((timing) => timing.firstWriteMs)))} | ${seconds(median(timings.map((timing) => timing.readyMs)))} |`;
    const markdown = [
      '## Short-notice events: PeakEvent created → first write → capacity Ready',
      '',
      'The real `chuanliu controller` process on a real redis-server, planning from the NAB NYC taxi trace',
      '(time-shifted to end now; SYNTHETIC inventory), writing to kube-api over HTTP (pods Ready 2 s after',
      'they are asked for). Each PeakEvent (a livestream 20 min ahead, more requests/s than the one before) is',
      'created while the controller runs; times from its creation to the first accepted scale write of',
      'its workload (kube-api\'s request log) and to every replica of it Ready.',
      'Baseline: the same controller with `--watch-every off --plan-every 1m` (the event is taken at the',
      'next scheduled plan cycle). `npm run bench -- --only peak-event`.',
      '',
      '| controller | events | median → first write | worst → first write | median → Ready |',
      '|---|---:|---:|---:|---:|',
      row('chuanliu (watch every 5 s, the default)', chuanliu),
      row('baseline: plan cycle every 1m, no watch', baseline),
      '',
      `Ratio (median → first write, chuanliu ÷ baseline): **${ratio.toFixed(2)}** (target ≤ ${MAX_RATIO_TO_BASELINE}). Goal ≤ ${GOAL_FIRST_WRITE_MS / 1000} s to the first write: `
        + `${Math.max(...chuanliu.map((timing) => timing.firstWriteMs)) <= GOAL_FIRST_WRITE_MS ? 'met by every event' : 'missed by some event'} (reported, not a failure: absolute times depend on the machine).`,
      '',
    ].join('\n');
    return { markdown, failures, figures: { chuanliu, baseline, ratio, targets: { maxRatioToBaseline: MAX_RATIO_TO_BASELINE, goalFirstWriteMs: GOAL_FIRST_WRITE_MS } } };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await peakEventBenchPart.run({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(result.markdown);
  if (result.failures.length > 0) process.exitCode = 1;
}
