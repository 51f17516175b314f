/**
 * One grand shift under faults, end to end over HTTP: kube-api (seeded with the shift's inventory,
 * its emulation starting and draining pods) with fault rules, optionally behind a proxy that loses
 * answers, the real Kubernetes adapter (client-node) and `reconcile` ticks driven on the wall
 * clock until the cluster stands at the plan's peak levels with online capacity Ready.
 *
 * Returns what happened (ticks by status, faults injected, requests, violations) for the test to
 * assert on and for RELIABILITY.md's figures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import { loadKubeConfig } from '../../../src/adapters/kubernetes/kubeconfig.ts';
import { KubernetesCluster } from '../../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { reconcile, type ReconcileStatus } from '../../../src/controller/reconcile.ts';
import type { FaultRule } from '../../../src/kube-api/faults.ts';
import type { Cluster } from '../../../src/ports/cluster.ts';
import { inventoryObjects } from '../../../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../../../src/kube-api/kube-api.ts';
import { writeKubeconfig } from '../../../src/kube-api/kubeconfig.ts';
import { Types } from '../../../src/kube-api/resources.ts';
import type { ObjectStore } from '../../../src/kube-api/store.ts';
import { systemClock } from '../../../src/kube-api/system-clock.ts';
import { grandShift, OFFLINE_NAMESPACE, ONLINE_NAMESPACE, type GrandShift } from './grand-shift.ts';
import { startLossyProxy } from './lossy-proxy.ts';
import { doubleWrites, levelsNow, notSettled, ShiftInvariants, valueWrites } from './shift-invariants.ts';

export interface ShiftRunOptions {
  readonly workloads: number;
  readonly seed: number;
  readonly faultRules: readonly FaultRule[];
  /** Share of write answers lost after the server applied the write (see lossy-proxy.ts). @defaultValue 0 */
  readonly loseAnswerRate?: number;
  /** Give up (and fail) after this long on the wall clock. @defaultValue 90 s */
  readonly timeoutMs?: number;
  /** Pause between reconcile ticks. @defaultValue 200 ms */
  readonly tickIntervalMs?: number;
  /** Peak this long after the plan is made. @defaultValue 3 s */
  readonly peakDelayMs?: number;
  /** Rule changes during the run (a burst, an outage): at `afterMs` from the start, `faultRules` become these. */
  readonly phases?: readonly { readonly afterMs: number; readonly rules: readonly FaultRule[] }[];
  /**
   * Replaces the adapter the ticks write through (a negative control: a naive client that must
   * break an invariant under the same faults). Gets the real adapter and the URL it talks to.
   */
  readonly wrapCluster?: (cluster: Cluster, apiUrl: string) => Cluster;
}

export interface ShiftRunReport {
  readonly seed: number;
  readonly workloads: number;
  readonly completed: boolean;
  readonly violations: readonly string[];
  readonly ticks: Readonly<Record<ReconcileStatus | 'threw', number>>;
  /** Requests kube-api logged, and those a fault rule failed (by kind). */
  readonly requests: number;
  readonly injected: Readonly<Record<string, number>>;
  readonly lostAnswers: number;
  readonly valueWrites: number;
  /** Successful value writes per resource (deployments/scale, jobs, horizontalpodautoscalers…). */
  readonly valueWritesByResource: Readonly<Record<string, number>>;
  /**
   * Workloads whose level changed but which carry no chuanliu.io/step-id annotation (after the
   * adapter's background retries of failed annotation patches have had up to 20 s).
   */
  readonly unannotated: number;
  /** Scale writes whose annotation patch failed and went to the adapter's background retry. */
  readonly annotationRetries: number;
  /** Annotation patches still being retried in the background when the shift stood complete. */
  readonly owedProvenanceAtEnd: number;
  readonly wallMs: number;
  /** Wall time from the peak's start until the shift stood complete (negative: done before the peak). */
  readonly completedVsPeakMs: number;
  readonly peakDesiredCpuMillicores: number;
  readonly capacityCpuMillicores: number;
  readonly unsettled: readonly string[];
}

const BACKOFF_BASE_MS = 20;

export async function runShift(options: ShiftRunOptions): Promise<ShiftRunReport> {
  const startedMs = performance.now();
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-faults-'));
  const nowMs = systemClock.nowMs();
  const shift: GrandShift = grandShift({ workloads: options.workloads, nowMs, peakAtMs: nowMs + (options.peakDelayMs ?? 3_000), planId: `plan-faults-${options.seed}` });
  const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory), seed: options.seed });
  await kube.bridge.idle();
  const invariants = new ShiftInvariants({ store: kube.store, inventory: shift.inventory, capacityCpuMillicores: shift.capacityCpuMillicores });
  // Faults start once the cluster is seeded: seeding is the test's setup, not the system under test.
  kube.faults.setRules(options.faultRules, options.seed);
  const firstSeq = kube.requestLog.lastSeq;
  const phaseTimers = (options.phases ?? []).map((phase) => setTimeout(() => kube.faults.setRules(phase.rules), phase.afterMs));
  let annotationRetries = 0;
  const proxy = (options.loseAnswerRate ?? 0) > 0
    ? await startLossyProxy({ targetUrl: kube.url, loseAnswerRate: options.loseAnswerRate ?? 0, seed: options.seed })
    : undefined;
  const kubeconfigPath = join(directory, 'kubeconfig');
  await writeKubeconfig(kubeconfigPath, { url: proxy?.url ?? kube.url });
  const cluster = new KubernetesCluster({
    kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }),
    clock: systemClock,
    namespaces: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE],
    seed: options.seed,
    backoffBaseMs: BACKOFF_BASE_MS,
    maxBackoffMs: 2_000,
    onWarning: (message) => {
      if (message.includes('retrying in the background')) annotationRetries += 1;
    },
  });
  const driven: Cluster = options.wrapCluster?.(cluster, proxy?.url ?? kube.url) ?? cluster;
  const appliedSteps = new MemoryAppliedStepStore();
  const ticks: Record<ReconcileStatus | 'threw', number> = { done: 0, 'dry-run': 0, held: 0, refused: 0, paused: 0, 'write-failures': 0, threw: 0 };
  const deadlineMs = performance.now() + (options.timeoutMs ?? 90_000);
  let completed = false;
  let completedAtMs = Number.NaN;
  try {
    while (performance.now() < deadlineMs) {
      try {
        const result = await reconcile({
          cluster: driven, plan: shift.plan, inventory: shift.inventory, appliedSteps, clock: systemClock,
          // Writes of a phase all in flight at once; the adapter's own bound (64) and token bucket pace them.
          maxConcurrentWrites: 256,
          safety: { maxStepReplicas: 10, namespaceAllowlist: [ONLINE_NAMESPACE, OFFLINE_NAMESPACE] },
        });
        ticks[result.status] += 1;
        if (result.status === 'refused') invariants.violations.push(`tick refused: ${result.message}`);
      } catch (error) {
        ticks.threw += 1;
        invariants.violations.push(`reconcile threw: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      }
      if (systemClock.nowMs() >= shift.peakAtMs && atPeak(shift, levelsNow(kube.store, shift.inventory)) && notSettled(kube.store, shift.inventory).length === 0) {
        completed = true;
        completedAtMs = systemClock.nowMs();
        break;
      }
      await systemClock.sleep(options.tickIntervalMs ?? 200);
    }
    // Provenance a scale write still owes (its annotation patch failed) is retried by the adapter in
    // the background, with no tick needed: give it the time a controller would have.
    const owedProvenanceAtEnd = cluster.pendingProvenance();
    const provenanceDeadlineMs = performance.now() + 20_000;
    while (cluster.pendingProvenance() > 0 && performance.now() < provenanceDeadlineMs) await systemClock.sleep(100);
    const entries = kube.requestLog.list({ sinceSeq: firstSeq });
    const writes = valueWrites(entries);
    const violations = [...invariants.violations, ...doubleWrites(writes)];
    const levels = levelsNow(kube.store, shift.inventory);
    for (const [name, wanted] of shift.peakLevels) {
      if (levels.get(name) !== wanted) violations.push(`${name} ends at ${levels.get(name)}, planned ${wanted}`);
    }
    const byResource: Record<string, number> = {};
    for (const write of writes) {
      if (write.status >= 200 && write.status < 300) byResource[write.resource] = (byResource[write.resource] ?? 0) + 1;
    }
    const injected: Record<string, number> = {};
    for (const entry of entries) if (entry.fault !== undefined) injected[entry.fault] = (injected[entry.fault] ?? 0) + 1;
    return {
      seed: options.seed,
      workloads: options.workloads,
      completed,
      violations,
      ticks,
      requests: entries.length,
      injected,
      lostAnswers: proxy?.lostAnswers() ?? 0,
      valueWrites: writes.filter((write) => write.status >= 200 && write.status < 300).length,
      valueWritesByResource: byResource,
      annotationRetries,
      owedProvenanceAtEnd,
      unannotated: unannotatedChanges(kube.store, shift),
      wallMs: Math.round(performance.now() - startedMs),
      completedVsPeakMs: completedAtMs - shift.peakAtMs,
      peakDesiredCpuMillicores: invariants.peakDesiredCpu,
      capacityCpuMillicores: shift.capacityCpuMillicores,
      unsettled: completed ? [] : notSettled(kube.store, shift.inventory).slice(0, 10),
    };
  } finally {
    phaseTimers.forEach((timer) => clearTimeout(timer));
    invariants.stop();
    cluster.close();
    await proxy?.close();
    await kube.close();
    await rm(directory, { recursive: true, force: true });
  }
}

function unannotatedChanges(store: ObjectStore, shift: GrandShift): number {
  const levels = levelsNow(store, shift.inventory);
  let count = 0;
  for (const workload of [...shift.inventory.online, ...shift.inventory.offline]) {
    if (levels.get(workload.name) === shift.startLevels.get(workload.name)) continue;
    const { ref } = workload;
    const object = workload.class === 'online' && workload.hpaName !== undefined
      ? store.get(Types.hpa, ref.namespace, workload.hpaName)
      : store.get(ref.apiKind === 'Job' ? Types.job : ref.apiKind === 'StatefulSet' ? Types.statefulSet : Types.deployment, ref.namespace, ref.name);
    if (object?.metadata.annotations?.['chuanliu.io/step-id'] === undefined) count += 1;
  }
  return count;
}

function atPeak(shift: GrandShift, levels: ReadonlyMap<string, number>): boolean {
  for (const [name, wanted] of shift.peakLevels) if (levels.get(name) !== wanted) return false;
  return true;
}
