/**
 * `chuanliu event add | list | get | cancel` as real processes against kube-api over HTTP, as an
 * SRE runs them: local validation first (exit 2, nothing written), the API server's rules next,
 * `--dry-run` printing the plan change (real trace, real forecaster and planner), -o json|yaml.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseConfigText } from '../../src/config/load-config.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';

const run = promisify(execFile);
const TRACE = resolve('sim/traces/nab-nyc-taxi/nyc_taxi.csv');

/** SYNTHETIC inventory around the real NYC taxi trace (rates of a few requests/s). */
const CONFIG = `
planning: { slot: 30m, horizon: 6h, applyLatency: 15s }
forecast: { bucket: 30m, history: 21d }
controller: { namespaces: [shop, batch] }
nodePools:
  - { name: general, perNode: { cpu: "4", memory: 16Gi }, baseNodes: 2 }
online:
  - name: payment
    ref: { kind: Deployment, namespace: shop }
    rpsPerReplica: 1
    perReplica: { cpu: 100m, memory: 128Mi }
    startup: { p50: 2m, p95: 6m45s }
    minReplicas: 2
    maxReplicas: 200
    demand: { kind: csv, path: ${JSON.stringify(TRACE)} }
offline:
  - { name: etl, ref: { kind: Deployment, namespace: batch }, maxReplicas: 12, perReplica: { cpu: 500m, memory: 512Mi }, drain: 30s }
`;

let directory: string;
let kube: RunningKubeApi;
let kubeconfig: string;
let config: string;

async function chuanliu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/chuanliu.js', ...args, '--kubeconfig', kubeconfig], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-cli-event-'));
  config = join(directory, 'config.yaml');
  await writeFile(config, CONFIG);
  kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(parseConfigText(CONFIG, config).inventory) });
  kubeconfig = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfig);
});

afterAll(async () => {
  await kube?.close();
  if (directory) await rm(directory, { recursive: true, force: true });
});

const ADD = ['event', 'add', 'flash', '-n', 'shop', '--kind', 'livestream', '--start', '2014-08-01T00:25', '--tz', 'UTC', '--duration', '30m', '--ramp', '2m', '--rps', 'payment=40'];

describe('chuanliu event', () => {
  it('refuses a bad event locally (exit 2, field named) and writes nothing', async () => {
    const result = await chuanliu('event', 'add', 'bad', '-n', 'shop', '--kind', 'livestream', '--start', '2014-08-01T00:25', '--tz', 'Mars/Olympus', '--duration', '30m', '--rps', 'payment=40');
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/spec\.timeZone: expected an IANA time zone that exists/);
    const unknown = await chuanliu(...ADD.map((arg) => (arg === 'payment=40' ? 'refunds=40' : arg)), '--config', config);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"refunds" is not an online workload of the config; online workloads: payment/);
    expect(kube.store.list(Types.peakEvent, 'shop')).toHaveLength(0);
  });

  it('--dry-run prints the plan change and whether the lead fits, writing nothing', async () => {
    const table = await chuanliu(...ADD, '--config', config, '--dry-run', '--now', '2014-08-01T00:00:00Z');
    expect(table.stderr).toBe('');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/PeakEvent shop\/flash: livestream, 08-01 00:25:00–08-01 00:55:00 UTC \(dry run: nothing written\)/);
    expect(table.stdout).toMatch(/payment\s+\d+ → \d+ replicas at the event's peak/);
    expect(table.stdout).toMatch(/first write 08-01 \d\d:\d\d:\d\d, Ready by 08-01 \d\d:\d\d:\d\d UTC/);
    expect(table.stdout).toMatch(/offline giving way:\n {2}etl\s+\d+ → \d+ replicas during the event/);
    expect(table.stdout).toMatch(/starts in 25m; payment needs 7m; fits/);
    const json = JSON.parse((await chuanliu(...ADD, '--config', config, '--dry-run', '--now', '2014-08-01T00:00:00Z', '-o', 'json')).stdout) as { online: { fromReplicas: number; toReplicas: number }[]; leadSeconds: number; dryRun: boolean };
    expect(json.dryRun).toBe(true);
    expect(json.online[0]!.toReplicas).toBeGreaterThan(json.online[0]!.fromReplicas);
    expect(json.leadSeconds).toBe(420);
    expect(kube.store.list(Types.peakEvent, 'shop')).toHaveLength(0);
  }, 120_000);

  it('add, list, get (-o yaml), cancel', async () => {
    const added = await chuanliu(...ADD, '--config', config);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/peakevent\.chuanliu\.io\/flash created in shop/);
    const list = await chuanliu('event', 'list', '-n', 'shop');
    expect(list.stdout.split('\n')[0]).toMatch(/^NAMESPACE\s+NAME\s+KIND\s+START\s+DURATION\s+WORKLOADS\s+LEAD\s+STATE$/);
    expect(list.stdout).toMatch(/shop\s+flash\s+livestream\s+2014-08-01T00:25 UTC\s+30m\s+-\s+-\s+Pending/);
    const got = parse((await chuanliu('event', 'get', 'flash', '-n', 'shop', '-o', 'yaml')).stdout) as { spec: { expectedRps: Record<string, number> } };
    expect(got.spec.expectedRps).toEqual({ payment: 40 });
    const missing = await chuanliu('event', 'get', 'nope', '-n', 'shop');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no PeakEvent "nope" in namespace shop/);
    const cancelled = await chuanliu('event', 'cancel', 'flash', '-n', 'shop');
    expect(cancelled.stdout).toMatch(/cancelled; capacity is handed back after the scale-in stabilization/);
    expect((await chuanliu('event', 'list', '-n', 'shop')).stdout).toMatch(/flash .*Cancelled/);
  }, 120_000);
});
