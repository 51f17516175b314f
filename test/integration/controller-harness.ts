/**
 * End-to-end harness: a real redis-server, kube-api over HTTP on the system clock (pods Ready after
 * their startup, offline pods holding their node for their drain time), a synthetic shift planned
 * by the real planner with a peak a few seconds ahead, and the real controller PROCESS
 * (`node bin/chuanliu.js controller …`) following it.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import type { RequestLogEntry } from '../../src/kube-api/request-log.ts';
import { Types } from '../../src/kube-api/resources.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { syntheticShift, type SyntheticShift, type SyntheticShiftOptions } from '../unit/adapters/bullmq/synthetic-shift.ts';
import { freePort } from './helpers/free-port.ts';
import { startProcess, type RunningProcess } from './helpers/process.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

export interface ShiftHarness {
  readonly redis: RedisServer;
  readonly kube: RunningKubeApi;
  readonly shift: SyntheticShift;
  readonly peakAtMs: number;
  readonly directory: string;
  readonly configPath: string;
  readonly planPath: string;
  readonly kubeconfigPath: string;
  /** Spawns `chuanliu controller` following the plan; returns the process and its metrics URL. */
  startController(options?: { holder?: string; extraArgs?: string[] }): Promise<{ process: RunningProcess; metricsUrl: string }>;
  /** Online workloads at `replicas` Ready now (spec and status), by name. */
  onlineReady(replicas: number): Set<string>;
  /** Scale writes (PATCH …/scale) in arrival order. */
  scaleWrites(): RequestLogEntry[];
  close(): Promise<void>;
}

export async function startShiftHarness(options: Omit<SyntheticShiftOptions, 'nowMs' | 'peakAtMs'> & { peakInMs: number }): Promise<ShiftHarness> {
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-e2e-'));
  const redis = await startRedis();
  const nowMs = Date.now();
  const peakAtMs = nowMs + options.peakInMs;
  const shift = syntheticShift({ ...options, nowMs, peakAtMs });
  const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
  const configPath = join(directory, 'config.yaml');
  const planPath = join(directory, 'plan.json');
  const kubeconfigPath = join(directory, 'kubeconfig');
  await writeFile(configPath, shift.configYaml);
  await writeFile(planPath, encodePlan(shift.plan, 2));
  await kube.writeKubeconfig(kubeconfigPath);
  const processes: RunningProcess[] = [];

  return {
    redis, kube, shift, peakAtMs, directory, configPath, planPath, kubeconfigPath,
    async startController(start = {}) {
      const port = await freePort();
      const child = startProcess(process.execPath, [
        'bin/chuanliu.js', 'controller',
        '--config', configPath, '--plan', planPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
        '--metrics-port', String(port), '--metrics-host', '127.0.0.1',
        '--lease-ttl', '2s', '--job-lock', '3s', '--holder', start.holder ?? 'e2e',
        ...(start.extraArgs ?? []),
      ]);
      processes.push(child);
      return { process: child, metricsUrl: `http://127.0.0.1:${port}` };
    },
    onlineReady(replicas) {
      const ready = new Set<string>();
      for (const workload of shift.inventory.online) {
        const object = kube.store.get(Types.deployment, workload.ref.namespace, workload.ref.name);
        const spec = object?.['spec'] as { replicas?: number } | undefined;
        const status = object?.['status'] as { readyReplicas?: number } | undefined;
        if (spec?.replicas === replicas && status?.readyReplicas === replicas) ready.add(workload.name);
      }
      return ready;
    },
    scaleWrites() {
      return kube.requestLog.list({ verb: 'patch', subresource: 'scale' }).filter((entry) => entry.status >= 200 && entry.status < 300);
    },
    async close() {
      await Promise.all(processes.map((child) => child.stop()));
      await kube.close();
      await redis.stop();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, options: { timeoutMs?: number; process?: RunningProcess } = {}): Promise<void> {
  const deadline = performance.now() + (options.timeoutMs ?? 20_000);
  while (!(await condition())) {
    if (options.process?.exited()) throw new Error(`${what}: the controller exited:\n${options.process.output()}`);
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}${options.process ? `:\n${options.process.output()}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Exit code of a process after SIGTERM (null when killed by a signal). */
export function exitCodeAfterTerm(child: RunningProcess, timeoutMs = 15_000): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the controller did not stop within ${timeoutMs} ms:\n${child.output()}`)), timeoutMs);
    child.child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.child.kill('SIGTERM');
  });
}
