/**
 * `chuanliu event add --dry-run`: the plan with and without the event, through the controller's
 * own planning source (same config, calendar, PeakEvents already in the cluster, histories and
 * the live cluster as observed state), and what changes between them. Writes nothing: the API
 * server only validates the object (server-side dry run).
 */
import type { KubernetesPeakEvents } from '../adapters/kubernetes/peak-events.ts';
import { PrometheusSource } from '../adapters/prometheus/prometheus-source.ts';
import { parsePeakEvent, peakEventWorkloads, type EventClash, type PeakEvent, type PeakEventObject } from '../calendar/peak-event.ts';
import { loadConfigFile } from '../config/load-config.ts';
import type { CapacityPlan } from '../domain/plan.ts';
import { eventImpact, type EventImpact } from '../planner/event-impact.ts';
import { formatLocalTime } from '../report/index.ts';
import { PlanningSource } from '../runtime/planning-source/planning-source.ts';
import { clusterFor, type ClusterFlags } from './controller.ts';

export interface DryRunResult {
  readonly event: PeakEvent;
  readonly impact: EventImpact;
  readonly clashes: readonly EventClash[];
  readonly before: CapacityPlan;
  readonly after: CapacityPlan;
  readonly nowMs: number;
  readonly json: unknown;
}

export async function eventDryRun(options: {
  configPath: string;
  object: PeakEventObject;
  store: KubernetesPeakEvents;
  nowMs: number;
  prometheusUrl?: string;
  kube: { kubeconfig?: string; context?: string };
}): Promise<DryRunResult> {
  const config = await loadConfigFile(options.configPath);
  const online = config.inventory.online.map((workload) => workload.name);
  const event = parsePeakEvent(options.object, { workloads: online });
  // The API server's rules too (CEL), storing nothing.
  await options.store.create(options.object, { dryRun: true });
  const existing = (await Promise.all(config.controller.namespaces.map((namespace) => options.store.listIn(namespace)))).flat()
    .filter((object) => !(object.metadata.namespace === event.namespace && object.metadata.name === event.name));
  const clusterFlags: ClusterFlags = { config: options.configPath, ...(options.kube.kubeconfig !== undefined ? { kubeconfig: options.kube.kubeconfig } : {}), ...(options.kube.context !== undefined ? { context: options.kube.context } : {}) };
  const cluster = clusterFor(config, clusterFlags);
  try {
    const snapshot = await cluster.snapshot();
    const metricsSource = options.prometheusUrl !== undefined ? new PrometheusSource({ baseUrl: options.prometheusUrl }) : undefined;
    const planWith = async (objects: PeakEventObject[]): Promise<{ plan: CapacityPlan; clashes: readonly EventClash[] }> => {
      const source = new PlanningSource({ config, peakEvents: { list: () => Promise.resolve(objects) }, ...(metricsSource !== undefined ? { metricsSource } : {}) });
      const forecasts = new Map((await source.refreshForecasts(options.nowMs)).map((forecast) => [forecast.workload, forecast] as const));
      const plan = await source.plan({ nowMs: options.nowMs, forecasts, snapshot });
      return { plan, clashes: source.current.clashes };
    };
    const before = await planWith(existing);
    const after = await planWith([...existing, options.object]);
    const impact = eventImpact({
      event: { id: event.id, startMs: event.startMs, endMs: event.startMs + event.durationMs, workloads: peakEventWorkloads(event, online) },
      before: before.plan, after: after.plan, nowMs: options.nowMs, offlineWorkloads: config.inventory.offline.map((workload) => workload.name),
    });
    const clashes = after.clashes.filter((clash) => clash.peakEvent === event.id);
    const json = {
      dryRun: true, event: event.id, kind: event.kind, start: new Date(event.startMs).toISOString(), end: new Date(event.startMs + event.durationMs).toISOString(),
      planBefore: before.plan.id, planAfter: after.plan.id,
      online: impact.online, offlineGivingWay: impact.offlineGivingWay,
      firstWrite: impact.firstWriteAtMs !== undefined ? new Date(impact.firstWriteAtMs).toISOString() : null,
      readyBy: impact.readyByMs !== undefined ? new Date(impact.readyByMs).toISOString() : null,
      leadSeconds: impact.leadMs / 1000, leadWorkload: impact.leadWorkload ?? null, startsInSeconds: impact.startsInMs / 1000,
      shortfallReplicas: impact.shortfallReplicas, brownoutOrder: impact.brownoutOrder, fits: impact.fits, verdict: impact.verdict,
      clashes: clashes.map((clash) => clash.message),
    };
    return { event, impact, clashes, before: before.plan, after: after.plan, nowMs: options.nowMs, json };
  } finally {
    cluster.close();
  }
}

export function renderDryRun(result: DryRunResult): string {
  const { event, impact } = result;
  const zone = event.timeZone;
  const at = (ms: number): string => formatLocalTime(ms, { timeZone: zone, withSeconds: true });
  const lines = [
    `PeakEvent ${event.namespace}/${event.name}: ${event.kind}, ${at(event.startMs)}–${at(event.startMs + event.durationMs)} ${zone} (dry run: nothing written)`,
    `plan ${result.before.id} → ${result.after.id}`,
  ];
  const width = Math.max(8, ...impact.online.map((change) => change.workload.length), ...impact.offlineGivingWay.map((change) => change.workload.length));
  for (const change of impact.online) lines.push(`  ${change.workload.padEnd(width)}  ${String(change.fromReplicas).padStart(4)} → ${change.toReplicas} replicas at the event's peak`);
  if (impact.offlineGivingWay.length === 0) lines.push('offline giving way: none');
  else {
    lines.push('offline giving way:');
    for (const change of impact.offlineGivingWay) lines.push(`  ${change.workload.padEnd(width)}  ${String(change.fromReplicas).padStart(4)} → ${change.toReplicas} replicas during the event`);
  }
  if (impact.firstWriteAtMs !== undefined) lines.push(`first write ${at(impact.firstWriteAtMs)}, Ready by ${at(impact.readyByMs as number)} ${zone}`);
  else lines.push('no write needed: the plan without the event already covers it');
  for (const clash of result.clashes) lines.push(`clash: ${clash.message}`);
  lines.push(impact.verdict);
  return lines.join('\n');
}
