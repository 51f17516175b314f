/**
 * The demo's short-notice event: at 18:40 on the SYNTHETIC Double-11 evening the operations room
 * learns of a livestream flash sale at 19:05 that is in no calendar, and creates a PeakEvent (what
 * `chuanliu event add` does on a real cluster). The traffic has the sale either way; chuanliu learns
 * of it at 18:40, the HPA only from the load, KEDA's cron floors never (they were written before
 * the night). These lines show it being taken in and what each strategy left unserved at its start.
 */
import { peakEventWorkloads } from '../calendar/peak-event.ts';
import { MINUTE_MS } from '../domain/units.ts';
import type { AnnouncedPeakEvent, AnnouncedPeakEventInput } from '../simulator/announced-events.ts';
import type { SimulationResult } from '../simulator/result.ts';
import type { ChuanliuRunRecorder } from '../simulator/strategies/chuanliu/run-recorder.ts';
import { formatCompact, formatDurationMs, formatLocalTime, paint } from '../report/index.ts';

/** SYNTHETIC: a livestream on payment and checkout, announced 25 minutes ahead. */
export const DEMO_SHORT_NOTICE_EVENT: AnnouncedPeakEventInput = {
  announcedAtMs: Date.parse('2026-11-11T18:40:00+08:00'),
  object: {
    apiVersion: 'chuanliu.io/v1alpha1',
    kind: 'PeakEvent',
    metadata: { name: 'flash-1905', namespace: 'shop' },
    spec: {
      kind: 'livestream', start: '2026-11-11T19:05:00+08:00', duration: '15m', ramp: '10s', timeZone: 'Asia/Shanghai',
      expectedRps: { payment: 25_000, checkout: 20_000 }, decayHalfLife: '2m',
    },
  },
};

/** How long after the start the per-strategy deficit is read. */
const START_WINDOW_MS = 5 * MINUTE_MS;

export interface ShortNoticeSummary {
  readonly event: string;
  readonly announcedAtMs: number;
  readonly startMs: number;
  /** When chuanliu adopted a plan with the event (undefined: never). */
  readonly takenInAtMs?: number;
  /** Per affected workload, what that plan does before the start: from → to replicas, first write, Ready by. */
  readonly planned: readonly { readonly workload: string; readonly fromReplicas: number; readonly toReplicas: number; readonly firstWriteAtMs: number; readonly readyByMs: number }[];
  /** Per strategy: the largest unserved rate on the affected workloads in the event's first minutes. */
  readonly worstUnservedRpsAtStart: Readonly<Record<string, number>>;
}

export function summarizeShortNotice(announced: AnnouncedPeakEvent, result: SimulationResult, recorder: ChuanliuRunRecorder): ShortNoticeSummary {
  const { event, announcedAtMs } = announced;
  const workloads = peakEventWorkloads(event, Object.keys(result.timelines[0]?.online ?? {}));
  const takenIn = recorder.peakEventPlans.find((entry) => entry.atMs >= announcedAtMs && entry.reason.split(/[ ,]+/).includes(event.name));
  const planned = takenIn === undefined ? [] : workloads.flatMap((workload) => {
    const steps = takenIn.plan.steps.filter((step) => step.workload === workload && step.subject !== 'node-pool' && step.direction === 'acquire' && step.readyByMs <= event.startMs);
    const first = steps[0];
    const last = steps.at(-1);
    if (first === undefined || last === undefined) return [];
    return [{ workload, fromReplicas: first.fromReplicas, toReplicas: Math.max(...steps.map((step) => step.toReplicas)), firstWriteAtMs: Math.max(first.effectiveAtMs, takenIn.atMs), readyByMs: last.readyByMs }];
  });
  const worstUnservedRpsAtStart: Record<string, number> = {};
  for (const timeline of result.timelines) {
    let worst = 0;
    const first = Math.max(0, Math.floor((event.startMs - timeline.startMs) / timeline.stepMs));
    const last = Math.ceil((event.startMs + START_WINDOW_MS - timeline.startMs) / timeline.stepMs);
    for (const workload of workloads) {
      const unserved = timeline.online[workload]?.unservedRps;
      if (unserved === undefined) continue;
      for (let step = first; step < Math.min(last, unserved.length); step++) worst = Math.max(worst, unserved[step] as number);
    }
    worstUnservedRpsAtStart[timeline.strategy] = worst;
  }
  return {
    event: event.name, announcedAtMs, startMs: event.startMs,
    ...(takenIn !== undefined ? { takenInAtMs: takenIn.atMs } : {}),
    planned, worstUnservedRpsAtStart,
  };
}

export function renderShortNoticeLines(announced: AnnouncedPeakEvent, summary: ShortNoticeSummary, timeZone: string, color: boolean): string[] {
  const { event } = announced;
  const at = (ms: number): string => formatLocalTime(ms, { timeZone, withSeconds: true });
  const rates = Object.entries(event.expectedRps ?? {}).map(([workload, rps]) => `${workload} +${formatCompact(rps)} rps`).join(', ');
  const lines = [paint(`Short-notice event [SYNTHETIC]: PeakEvent ${event.kind} "${event.name}" created ${at(summary.announcedAtMs)} for ${at(summary.startMs)} (${formatDurationMs(summary.startMs - summary.announcedAtMs)} ahead; ${rates}), in no calendar`, 'bold', color)];
  lines.push(summary.takenInAtMs === undefined
    ? '  chuanliu never adopted a plan with it'
    : `  chuanliu took it in at ${at(summary.takenInAtMs)} (re-forecast and re-planned ${formatDurationMs(summary.takenInAtMs - summary.announcedAtMs)} after it was created):`);
  for (const step of summary.planned) lines.push(`    ${step.workload} ${step.fromReplicas} → ${step.toReplicas} replicas, first write ${at(step.firstWriteAtMs)}, Ready by ${at(step.readyByMs)}`);
  const worst = Object.entries(summary.worstUnservedRpsAtStart).map(([strategy, rps]) => `${strategy} ${formatCompact(rps)}`).join(', ');
  lines.push(`  largest unserved rate on ${workloadsText(event)} in its first ${formatDurationMs(START_WINDOW_MS)}, rps: ${worst}`);
  return lines;
}

function workloadsText(event: AnnouncedPeakEvent['event']): string {
  const named = Object.keys(event.expectedRps ?? {});
  return named.length > 0 ? named.join(' + ') : event.workloads.join(' + ') || 'its workloads';
}
