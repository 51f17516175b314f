/**
 * One time-sharing shift on a shared real cluster, and what every real-API scenario checks after it:
 * the objects created in namespaces (and optionally a node pool) of its own and Ready at their
 * starting levels before the plan is made; online never going down while the shift raises it (polled
 * from the API; a failed read is skipped, never counted); every online pod Ready; each value written
 * once by chuanliu's ServiceAccount (the API server's audit log).
 */
import { expect } from 'vitest';
import { auditedWrites, CHUANLIU_USER, describeTarget, grantChuanliu, waitUntil, type AuditEvent, type ControllerRun } from './chuanliu-on-cluster.ts';
import type { RealCluster } from './real-cluster.ts';
import { realShift, type RealShift } from './real-shift.ts';

export type PreparedShift = RealShift & { readonly peakAtMs: number };

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function readyPods(cluster: RealCluster, namespace: string): Promise<Map<string, number>> {
  const pods = JSON.parse(await cluster.kubectlOk(['get', 'pods', '-n', namespace, '-o', 'json'])) as { items: Json[] };
  const ready = new Map<string, number>();
  for (const pod of pods.items) {
    if (pod['metadata']['deletionTimestamp'] !== undefined) continue;
    if (!(pod['status']['conditions'] ?? []).some((condition: Json) => condition['type'] === 'Ready' && condition['status'] === 'True')) continue;
    const app = String(pod['metadata']['labels']?.['app'] ?? '');
    ready.set(app, (ready.get(app) ?? 0) + 1);
  }
  return ready;
}

/** A shift in namespaces of its own, objects created and Ready at their starting levels, planned with the peak `peakInMs` ahead. */
export async function prepareShift(cluster: RealCluster, tag: string, peakInMs: number, options: { pool?: string; podReadyMs: number; applyLatencyMs?: number }): Promise<PreparedShift> {
  const onlineNamespace = `payments-${tag}`;
  const offlineNamespace = `batch-${tag}`;
  await grantChuanliu(cluster, onlineNamespace);
  await grantChuanliu(cluster, offlineNamespace);
  const setup = realShift({ nowMs: Date.now(), peakAtMs: Date.now() + peakInMs, onlineNamespace, offlineNamespace, ...(options.pool !== undefined ? { pool: options.pool } : {}) });
  await cluster.apply(setup.objects());
  await waitUntil(`${tag}: starting levels Ready`, async () => {
    const [online, offline] = await Promise.all([readyPods(cluster, onlineNamespace), readyPods(cluster, offlineNamespace)]);
    return [...online.values()].reduce((a, b) => a + b, 0) === 4 && offline.get('etl') === 4 && offline.get('index') === 2 && offline.get('report') === 4;
  }, { timeoutMs: 90_000, cluster });
  const nowMs = Date.now();
  const peakAtMs = nowMs + peakInMs;
  return { ...realShift({ nowMs, peakAtMs, startupMs: options.podReadyMs, onlineNamespace, offlineNamespace, planId: `plan-${tag}`, ...(options.pool !== undefined ? { pool: options.pool } : {}), ...(options.applyLatencyMs !== undefined ? { applyLatencyMs: options.applyLatencyMs } : {}) }), peakAtMs };
}

export async function removeShift(cluster: RealCluster, shift: RealShift): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', shift.onlineNamespace, shift.offlineNamespace, '--wait=true', '--timeout=120s'], { timeoutMs: 150_000 });
}

/** Polls online spec.replicas (and HPA floors) while a shift raises them; a failed read is skipped, never counted. */
export function watchOnlineNeverDown(cluster: RealCluster, shift: RealShift): { stop(): string[] } {
  const last = new Map<string, number>();
  const drops: string[] = [];
  let running = true;
  const poll = async (): Promise<void> => {
    while (running) {
      const out = await cluster.kubectl(['get', 'deployments,statefulsets,hpa', '-n', shift.onlineNamespace, '-o', 'json'], { timeoutMs: 5_000 });
      if (out.code === 0) {
        for (const item of (JSON.parse(out.stdout) as { items: Json[] }).items) {
          const key = `${item['kind']}/${item['metadata']['name']}`;
          const value = Number(item['kind'] === 'HorizontalPodAutoscaler' ? item['spec']['minReplicas'] : item['spec']['replicas']);
          const before = last.get(key);
          if (before !== undefined && value < before) drops.push(`${key} ${before}→${value}`);
          last.set(key, value);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  };
  const done = poll();
  return {
    stop: () => {
      running = false;
      void done;
      return drops;
    },
  };
}

/** Value writes chuanliu's ServiceAccount made and the API accepted, by object, in [fromMs, toMs]. */
export function valueWritesByObject(events: readonly AuditEvent[], fromMs: number, toMs: number, namespaces: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of events) {
    if (!namespaces.includes(event.objectRef?.namespace ?? '')) continue;
    const atMs = Date.parse(event.requestReceivedTimestamp);
    if (atMs < fromMs || atMs > toMs || (event.responseStatus?.code ?? 0) >= 300) continue;
    const ref = event.objectRef ?? {};
    const isValue = ref.subresource === 'scale' || (ref.subresource === undefined && ['horizontalpodautoscalers', 'jobs', 'cronjobs'].includes(ref.resource ?? ''));
    if (!isValue) continue;
    counts.set(describeTarget(event), (counts.get(describeTarget(event)) ?? 0) + 1);
  }
  return counts;
}

export async function expectShiftDone(cluster: RealCluster, shift: PreparedShift, controllers: readonly ControllerRun[], options: { startedAtMs: number; lateByMs?: number }): Promise<number> {
  let readyAtMs: number | undefined;
  await waitUntil(`${shift.onlineNamespace}: every online workload at ${shift.peakPerOnline} Ready`, async () => {
    const online = await readyPods(cluster, shift.onlineNamespace);
    if (shift.inventory.online.every((workload) => online.get(workload.name) === shift.peakPerOnline)) readyAtMs ??= Date.now();
    return readyAtMs !== undefined;
  }, { timeoutMs: shift.peakAtMs - Date.now() + (options.lateByMs ?? 0) + 30_000, ...(controllers[0] !== undefined ? { process: controllers[0].process } : {}), cluster });
  const events = await auditedWrites(cluster, (event) => event.user.username === CHUANLIU_USER && event.verb === 'patch');
  const writes = valueWritesByObject(events, options.startedAtMs, readyAtMs ?? Date.now(), [shift.onlineNamespace, shift.offlineNamespace]);
  const twice = [...writes].filter(([, count]) => count > 1).map(([target, count]) => `${target} ×${count}`);
  expect(twice, 'value written more than once').toEqual([]);
  // Every workload of the shift was written once: 4 offline releases + 2 HPA floors + 2 scales.
  expect(writes.size).toBe(8);
  return (readyAtMs ?? 0) - shift.peakAtMs;
}

