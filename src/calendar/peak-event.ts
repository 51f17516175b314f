/**
 * The PeakEvent custom resource (chuanliu.io/v1alpha1): a short-notice event told to a running
 * controller (`chuanliu event add`, `kubectl apply`). Its spec is validated here precisely — the
 * API server's CEL rules (manifests/base/crds/peakevents.yaml) can only approximate some of it,
 * e.g. whether a time zone exists — and turned into calendar events, so the forecaster and the
 * planner treat it exactly like a calendar entry.
 *
 * Shapes: `uplift` (a factor of the baseline) gives a promotion-shaped event (ramp to full effect,
 * hold for the duration); `expectedRps` (additional requests/s at the top, per workload) gives a
 * livestream-shaped pulse (rise = ramp, exponential decay).
 */
import { z } from 'zod';
import type { CalendarEvent, EventOccurrence, PeakCalendar } from '../domain/calendar.ts';
import { eventOccurrences } from '../domain/calendar-occurrences.ts';
import { InputError } from '../domain/errors.ts';
import { isValidTimeZone, localToEpochMs, LocalTimeError } from '../domain/time-zones.ts';
import { formatDurationMs, MINUTE_MS } from '../domain/units.ts';
import { nameSchema, positiveDurationSchema, durationSchema } from '../config/units-schema.ts';
import { validateYaml } from '../config/validate-yaml.ts';

export const PEAK_EVENT_GROUP = 'chuanliu.io';
export const PEAK_EVENT_VERSION = 'v1alpha1';
export const PEAK_EVENT_API_VERSION = `${PEAK_EVENT_GROUP}/${PEAK_EVENT_VERSION}`;
export const PEAK_EVENT_PLURAL = 'peakevents';
export const PEAK_EVENT_KINDS = ['promotion', 'livestream', 'offline-window'] as const;
export type PeakEventKind = (typeof PEAK_EVENT_KINDS)[number];

/** A resolved PeakEvent: what the planner needs, plus where it came from. */
export interface PeakEvent {
  readonly namespace: string;
  readonly name: string;
  /** `peakevent/<namespace>/<name>`: the id its calendar events carry. */
  readonly id: string;
  readonly kind: PeakEventKind;
  readonly startMs: number;
  readonly durationMs: number;
  readonly rampMs: number;
  readonly timeZone: string;
  /** Factor of the baseline at full effect, or undefined when `expectedRps` is given. */
  readonly uplift?: number;
  /** Workload → additional requests/s at the top of the pulse. */
  readonly expectedRps?: Readonly<Record<string, number>>;
  /** Online workloads affected; empty = all. */
  readonly workloads: readonly string[];
  readonly decayHalfLifeMs?: number;
  /** True once `chuanliu event cancel` marked it cancelled: it no longer shapes the plan. */
  readonly cancelled: boolean;
  readonly resourceVersion?: string;
}

/** The object as it is stored (spec only; status is written by the controller). */
export interface PeakEventObject {
  apiVersion?: string;
  kind?: string;
  metadata: { name?: string; namespace?: string; resourceVersion?: string; creationTimestamp?: string; annotations?: Record<string, string>; labels?: Record<string, string>; uid?: string };
  spec?: unknown;
  status?: PeakEventStatus;
}

export interface PeakEventCondition {
  type: 'Accepted' | 'Planned' | 'CapacityReady';
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface PeakEventStatus {
  conditions?: PeakEventCondition[];
  planId?: string;
  /** e.g. "7m": the longest lead the event's workloads need before the start. */
  lead?: string;
  /** Replicas short at the top of the event; 0 when it fits. */
  shortfallReplicas?: number;
  /** Offline workloads giving way, in the order they do. */
  brownoutOrder?: string[];
  state?: string;
  /** The workloads it touches, comma-separated (a printer column). */
  workloads?: string;
  observedGeneration?: number;
}

const offsetInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const localInstant = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The spec schema; `timeZone` is checked against this runtime's zone database. */
const specSchema = z.strictObject({
  kind: z.enum(PEAK_EVENT_KINDS),
  /** ISO 8601 with an offset, or a local date-time read in `timeZone`. */
  start: z.string().min(1),
  timeZone: z.string().refine(isValidTimeZone, { message: 'expected an IANA time zone that exists, such as Asia/Shanghai' }),
  duration: positiveDurationSchema,
  ramp: durationSchema.default(5 * MINUTE_MS),
  uplift: z.number().gt(1).optional(),
  expectedRps: z.record(nameSchema, z.number().gt(0)).optional(),
  decayHalfLife: positiveDurationSchema.optional(),
  workloads: z.array(nameSchema).default([]),
  cancelled: z.boolean().default(false),
}).superRefine((spec, ctx) => {
  if ((spec.uplift === undefined) === (spec.expectedRps === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['uplift'], message: 'expected exactly one of uplift (a factor above 1) or expectedRps (workload: requests/s)' });
  }
  if (spec.expectedRps !== undefined && Object.keys(spec.expectedRps).length === 0) {
    ctx.addIssue({ code: 'custom', path: ['expectedRps'], message: 'expected at least one workload: requests/s' });
  }
  if (spec.ramp > spec.duration) {
    ctx.addIssue({ code: 'custom', path: ['ramp'], message: `expected a ramp no longer than the duration (${formatDurationMs(spec.duration)})` });
  }
});

export interface ParsePeakEventOptions {
  /** Online workload names of the config; events naming others are refused. */
  readonly workloads?: readonly string[];
  /** Name of the input in messages, e.g. `peakevent/shop/livestream-2005` or a file path. */
  readonly source?: string;
}

/** Validates one PeakEvent object (from the API or a file) into a PeakEvent; InputError lists every problem. */
export function parsePeakEvent(object: PeakEventObject, options: ParsePeakEventOptions = {}): PeakEvent {
  const namespace = object.metadata.namespace ?? 'default';
  const name = object.metadata.name ?? '';
  const source = options.source ?? `peakevent/${namespace}/${name}`;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 63) {
    throw new InputError('expected a name of lowercase letters, digits and "-" (at most 63)', { source, field: 'metadata.name' });
  }
  if (object.kind !== undefined && object.kind !== 'PeakEvent') throw new InputError(`expected kind PeakEvent, got ${object.kind}`, { source, field: 'kind' });
  if (object.apiVersion !== undefined && object.apiVersion !== PEAK_EVENT_API_VERSION) {
    throw new InputError(`expected apiVersion ${PEAK_EVENT_API_VERSION}, got ${object.apiVersion}`, { source, field: 'apiVersion' });
  }
  // Through YAML so problems name the field (and a line of the JSON text, which is at least stable).
  const { spec } = validateYaml(JSON.stringify({ spec: object.spec ?? null }, undefined, 2), source, z.object({ spec: specSchema }));
  const startMs = parseStart(spec.start, spec.timeZone, source);
  const known = options.workloads;
  const named = [...spec.workloads, ...Object.keys(spec.expectedRps ?? {})];
  const unknown = known === undefined ? undefined : named.find((workload) => !known.includes(workload));
  if (unknown !== undefined) {
    throw new InputError(`"${unknown}" is not an online workload of the config; online workloads: ${known?.join(', ') || 'none'}`, { source, field: spec.workloads.includes(unknown) ? 'spec.workloads' : `spec.expectedRps.${unknown}` });
  }
  return {
    namespace,
    name,
    id: `peakevent/${namespace}/${name}`,
    kind: spec.kind,
    startMs,
    durationMs: spec.duration,
    rampMs: spec.ramp,
    timeZone: spec.timeZone,
    ...(spec.uplift !== undefined ? { uplift: spec.uplift } : {}),
    ...(spec.expectedRps !== undefined ? { expectedRps: spec.expectedRps } : {}),
    ...(spec.decayHalfLife !== undefined ? { decayHalfLifeMs: spec.decayHalfLife } : {}),
    workloads: spec.workloads,
    cancelled: spec.cancelled,
    ...(object.metadata.resourceVersion !== undefined ? { resourceVersion: object.metadata.resourceVersion } : {}),
  };
}

function parseStart(text: string, timeZone: string, source: string): number {
  const trimmed = text.trim();
  if (offsetInstant.test(trimmed)) {
    const ms = Date.parse(trimmed);
    if (Number.isFinite(ms)) return ms;
  }
  const local = localInstant.exec(trimmed);
  if (local !== null) {
    const [year, month, day, hour, minute, second] = local.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
    try {
      return localToEpochMs({ year, month, day, hour, minute, second }, timeZone, 'reject');
    } catch (error) {
      if (error instanceof LocalTimeError) throw new InputError(`"${text}" in ${timeZone}: ${error.message}`, { source, field: 'spec.start' });
      throw error;
    }
  }
  throw new InputError(`expected ISO 8601 with an offset (2026-11-11T20:05:00+08:00) or a local date-time (2026-11-11T20:05) in spec.timeZone, got "${text}"`, { source, field: 'spec.start' });
}

/** The calendar events a PeakEvent stands for (none once cancelled). */
export function peakEventCalendarEvents(event: PeakEvent): CalendarEvent[] {
  if (event.cancelled) return [];
  if (event.uplift !== undefined) {
    return [{
      kind: 'promotion', id: event.id, platform: event.kind, startMs: event.startMs, durationMs: event.durationMs,
      timeZone: event.timeZone, rampMs: event.rampMs, uplift: { kind: 'expected', factor: event.uplift }, workloads: event.workloads,
    }];
  }
  return Object.entries(event.expectedRps ?? {}).map(([workload, rps]) => ({
    kind: 'livestream' as const,
    id: `${event.id}/${workload}`,
    host: event.name,
    startMs: event.startMs,
    durationMs: event.durationMs,
    expectedPeakRps: rps,
    pulse: { riseMs: Math.max(event.rampMs, 1_000), decayHalfLifeMs: event.decayHalfLifeMs ?? Math.max(event.durationMs / 4, MINUTE_MS) },
    workloads: [workload],
  }));
}

/** The workloads a PeakEvent touches (empty list = all `online`). */
export function peakEventWorkloads(event: PeakEvent, online: readonly string[]): string[] {
  if (event.expectedRps !== undefined) return Object.keys(event.expectedRps);
  return event.workloads.length === 0 ? [...online] : [...event.workloads];
}

/** A PeakEvent that overlaps a calendar entry on a shared workload: both apply, and the operator is told. */
export interface EventClash {
  readonly peakEvent: string;
  readonly calendarEvent: string;
  readonly workloads: readonly string[];
  readonly message: string;
}

/**
 * The calendar and the PeakEvents as one calendar. PeakEvents never replace calendar entries
 * (their ids are `peakevent/…`, so they cannot collide); where one overlaps a one-off calendar
 * entry (promotion, livestream) on a workload both affect, the uplifts stack and the clash is named.
 */
export function mergePeakEvents(
  calendar: PeakCalendar | undefined, events: readonly PeakEvent[], online: readonly string[],
): { calendar: PeakCalendar | undefined; clashes: EventClash[] } {
  const active = events.filter((event) => !event.cancelled);
  if (active.length === 0) return { calendar, clashes: [] };
  const clashes: EventClash[] = [];
  if (calendar !== undefined) {
    for (const event of active) {
      const affected = peakEventWorkloads(event, online);
      const occurrences: EventOccurrence[] = eventOccurrences(calendar, event.startMs, event.startMs + event.durationMs)
        .filter((occurrence) => occurrence.kind !== 'offline-retail');
      for (const occurrence of occurrences) {
        const theirs = occurrence.event.workloads.length === 0 ? online : occurrence.event.workloads;
        const shared = affected.filter((workload) => theirs.includes(workload));
        if (shared.length === 0) continue;
        clashes.push({
          peakEvent: event.id, calendarEvent: occurrence.eventId, workloads: shared,
          message: `${event.id} overlaps calendar ${occurrence.kind} "${occurrence.eventId}" (${calendar.source}) on ${shared.join(', ')}: both apply, their uplifts stack`,
        });
      }
    }
  }
  const merged: PeakCalendar = {
    name: calendar?.name ?? 'peak events',
    synthetic: calendar?.synthetic ?? false,
    source: calendar === undefined ? 'PeakEvents' : `${calendar.source} + PeakEvents`,
    events: [...(calendar?.events ?? []), ...active.flatMap(peakEventCalendarEvents)],
    regions: calendar?.regions ?? [],
  };
  return { calendar: merged, clashes };
}
