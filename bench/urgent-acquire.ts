/**
 * Signal → online write with offline drains in flight, on the emulation (kube-api over HTTP, the
 * Kubernetes adapter, the real GuardLoop and reconcile; no mock). The inventory is SYNTHETIC and full:
 * the guard's floor for an unforecast pulse needs room that offline work holds, and that work
 * drains for `drainMs` (its terminationGracePeriodSeconds) after the guard caps it.
 *
 * Before issue 14 item 7 the floor waited for that drain (measured on a real control plane: 23 s to
 * 5 min 37 s late). The baseline of the ratio is that wait, measured in the same run: the time from
 * the offline release to its pods being gone. The part fails when the online write comes after the
 * drain is over (acquires waiting behind drains again) or when no offline pod was still terminating
 * at the online write (the drain was not in flight, so nothing was measured).
 *
 * Used by bench/chuanliu.ts (its section) and test/integration/urgent-acquire.test.ts.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemoryAppliedStepStore } from '../src/adapters/memory/memory-applied-steps.ts';
import { KubernetesCluster } from '../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../src/adapters/kubernetes/kubeconfig.ts';
import { GuardLoop } from '../src/controller/guard-loop.ts';
import type { GuardDecision } from '../src/controller/reactive-guard.ts';
import { inventoryObjects } from '../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../src/kube-api/kube-api.ts';
import { Types } from '../src/kube-api/resources.ts';
import { systemClock } from '../src/kube-api/system-clock.ts';
import { syntheticShift } from '../test/unit/adapters/bullmq/synthetic-shift.ts';

export interface UrgentAcquireMeasurement {
  readonly drainMs: number;
  /** First breaching sample → the online workload's scale write (wall ms on this machine). */
  readonly signalToOnlineWriteMs: number;
  /** The guard's decision (engage) → the online write. */
  readonly engageToOnlineWriteMs: number;
  /** The offline release write → its pods gone: what the acquire used to wait for (the baseline). */
  readonly drainObservedMs: number;
  /** Offline pods still terminating when the online write was made. */
  readonly terminatingAtOnlineWrite: number;
  /** Every offline write came before the online write (release first). */
  readonly releasedFirst: boolean;
  /** The reconcile's one-line log message (says which drain was cut short). */
  readonly message: string;
  readonly engage: GuardDecision | undefined;
}

const SAMPLE_INTERVAL_MS = 1_000;

async function waitFor(what: string, condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export async function measureUrgentAcquire(options: { drainMs?: number } = {}): Promise<UrgentAcquireMeasurement> {
  const drainMs = options.drainMs ?? 20_000;
  const nowMs = Date.now();
  // The plan's peak is an hour away: nothing planned now; the pulse is the guard's alone.
  const shift = syntheticShift({ onlineCount: 2, offlineCount: 2, nowMs, peakAtMs: nowMs + 3_600_000, drainMs, planId: 'plan-quiet' });
  const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-urgent-'));
  const kubeconfigPath = join(directory, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  const cluster = new KubernetesCluster({
    kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }), clock: systemClock,
    workloads: [...shift.inventory.online, ...shift.inventory.offline].map((workload) => workload.ref), managedSelector: false,
  });
  const terminatingOffline = (): number => kube.store.list(Types.pod)
    .filter((pod) => pod.metadata.namespace === 'batch' && pod.metadata.deletionTimestamp !== undefined).length;
  try {
    // Let the initial pods come up so the snapshot shows the cluster full.
    await waitFor('offline pods Ready', () => kube.store.list(Types.pod).filter((pod) => pod.metadata.namespace === 'batch').length > 0, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const guard = new GuardLoop({ inventory: shift.inventory, config: { consecutiveSamples: 2, headroomFactor: 1.2 } });
    const appliedSteps = new MemoryAppliedStepStore();
    const reconcileOptions = { cluster, plan: shift.plan, inventory: shift.inventory, appliedSteps, clock: systemClock };
    // pay-0000's p99 band is 100 rps (1 replica); the pulse is at 400 rps.
    const sample = () => ({ workload: 'pay-0000', timeMs: Date.now(), observedRps: 400, bandRps: 100 });
    const signalAtMs = Date.now();
    const sinceSeq = kube.requestLog.lastSeq;
    await guard.tick({ samples: [sample()], reconcile: reconcileOptions });
    await new Promise((resolve) => setTimeout(resolve, SAMPLE_INTERVAL_MS));
    const engagedAtMs = Date.now();
    const tick = await guard.tick({ samples: [sample()], reconcile: reconcileOptions });
    const terminatingAtOnlineWrite = terminatingOffline();
    const writes = kube.requestLog.list({ sinceSeq, verb: 'patch', subresource: 'scale' }).filter((entry) => entry.status < 300);
    const online = writes.find((entry) => entry.namespace === 'shop' && entry.name === 'pay-0000');
    const offline = writes.filter((entry) => entry.namespace === 'batch');
    if (online === undefined || offline.length === 0) {
      throw new Error(`expected an offline release and pay-0000's floor; got ${writes.map((entry) => `${entry.namespace}/${entry.name}`).join(', ') || 'no write'} (${tick.reconcile?.message ?? tick.heldMessage ?? 'no reconcile'})`);
    }
    const releaseAtMs = Math.min(...offline.map((entry) => entry.atMs));
    await waitFor('the released offline pods gone', () => terminatingOffline() === 0, drainMs * 3 + 20_000);
    const drainObservedMs = Date.now() - releaseAtMs;
    return {
      drainMs,
      signalToOnlineWriteMs: online.atMs - signalAtMs,
      engageToOnlineWriteMs: online.atMs - engagedAtMs,
      drainObservedMs,
      terminatingAtOnlineWrite,
      releasedFirst: offline.every((entry) => entry.seq < online.seq),
      message: tick.reconcile?.message ?? '',
      engage: tick.decisions.find((decision) => decision.kind === 'engage'),
    };
  } finally {
    cluster.close();
    await kube.close();
    await rm(directory, { recursive: true, force: true });
  }
}

/** Why a measurement shows acquires waiting behind drains again; undefined when it does not. */
export function urgentAcquireFailure(measurement: UrgentAcquireMeasurement): string | undefined {
  if (measurement.terminatingAtOnlineWrite === 0) return 'no offline pod was terminating at the online write: the drain was not in flight, nothing measured';
  if (!measurement.releasedFirst) return 'the online write came before the offline release';
  if (measurement.signalToOnlineWriteMs >= measurement.drainObservedMs) {
    return `the online write came ${measurement.signalToOnlineWriteMs} ms after the signal, not before the ${measurement.drainObservedMs} ms drain was over: acquires wait behind drains again`;
  }
  return undefined;
}
