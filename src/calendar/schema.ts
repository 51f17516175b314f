/**
 * The peak calendar file (forecasts/*.yaml): platform promotions, daily offline-retail windows,
 * livestream sessions and regions in other time zones. Local times are written as the operator
 * reads them on the wall clock (`2026-11-11T20:00` in `Asia/Shanghai`) and resolved to epoch ms here,
 * so nothing downstream touches time zones.
 *
 * Rules that cannot be seen from one field alone (overlaps, duplicates, references) are checked in
 * one pass after the fields, each reported on the line of the offending entry.
 */
import { z } from 'zod';
import type {
  CalendarEvent, LivestreamSession, OfflineRetailWindow, PeakCalendar, PromotionEvent, Region, UpliftSpec,
} from '../domain/calendar.ts';
import { pulsePeakRpsForTotal } from '../domain/event-shapes.ts';
import { isValidTimeZone, localToEpochMs, LocalTimeError, type LocalDateTime } from '../domain/time-zones.ts';
import { MINUTE_MS } from '../domain/units.ts';
import { durationSchema, nameSchema, positiveDurationSchema } from '../config/units-schema.ts';

/** An IANA zone name this runtime knows, e.g. `Asia/Shanghai`. */
export const timeZoneSchema = z.string().refine(isValidTimeZone, {
  message: 'expected an IANA time zone such as Asia/Shanghai or Europe/Berlin',
});

const localDateTimePattern = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** A wall-clock date-time without offset: `2026-11-11T20:00` or `2026-11-11 20:00:30`. */
export const localDateTimeSchema = z.unknown().transform((value, ctx): LocalDateTime => {
  const match = typeof value === 'string' ? localDateTimePattern.exec(value) : null;
  if (match === null) {
    ctx.addIssue({ code: 'custom', message: 'expected a local date-time YYYY-MM-DDTHH:MM (no offset; the zone is timeZone)' });
    return z.NEVER;
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as number[];
  const local = { year, month, day, hour, minute, second } as LocalDateTime;
  try {
    localToEpochMs(local, 'UTC'); // validates the calendar date (no 2026-02-30)
  } catch (error) {
    if (!(error instanceof LocalTimeError)) throw error;
    ctx.addIssue({ code: 'custom', message: `expected a real date and time (${error.message})` });
    return z.NEVER;
  }
  return local;
});

/** A time of day `HH:MM`, 00:00–24:00, as minutes after midnight. */
export const timeOfDaySchema = z.unknown().transform((value, ctx): number => {
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2})$/.exec(value) : null;
  const hours = Number(match?.[1]);
  const minutes = Number(match?.[2]);
  if (match === null || minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    ctx.addIssue({ code: 'custom', message: 'expected a time of day HH:MM between 00:00 and 24:00 (quote it in YAML)' });
    return z.NEVER;
  }
  return hours * 60 + minutes;
});

/** An uplift factor: demand at full effect = factor × baseline; below 1 would be a dip, not a peak. */
const upliftFactorSchema = z.number().min(1);
const workloadListSchema = z.array(nameSchema).default([]);

const promotionSchema = z.strictObject({
  id: nameSchema,
  platform: nameSchema,
  start: localDateTimeSchema,
  /** @defaultValue the calendar's timeZone */
  timeZone: timeZoneSchema.optional(),
  duration: positiveDurationSchema,
  /** From the start to the full uplift. @defaultValue 5m */
  ramp: durationSchema.default(5 * MINUTE_MS),
  /** Stated uplift factor; give this or `learn: true`. */
  uplift: upliftFactorSchema.optional(),
  /** Learn the uplift from past occurrences in the history (`pastStarts`), falling back to `fallbackUplift`. */
  learn: z.boolean().optional(),
  pastStarts: z.array(localDateTimeSchema).optional(),
  fallbackUplift: upliftFactorSchema.optional(),
  /** Online workloads affected. @defaultValue all */
  workloads: workloadListSchema,
});

const offlineRetailSchema = z.strictObject({
  id: nameSchema,
  start: timeOfDaySchema,
  end: timeOfDaySchema,
  /** Must be true when `end` is earlier than `start` (the window runs past midnight). @defaultValue false */
  crossesMidnight: z.boolean().default(false),
  timeZone: timeZoneSchema.optional(),
  uplift: upliftFactorSchema.optional(),
  /** Learn the uplift from the history (every past day is an occurrence); else `fallbackUplift`. */
  learn: z.boolean().optional(),
  fallbackUplift: upliftFactorSchema.optional(),
  workloads: workloadListSchema,
});

const livestreamSchema = z.strictObject({
  id: nameSchema,
  host: z.string().min(1),
  start: localDateTimeSchema,
  timeZone: timeZoneSchema.optional(),
  /** How long the pulse is counted; after it the session adds nothing. */
  duration: positiveDurationSchema,
  /** Additional requests/s at the top of the pulse; give this or `audience`. */
  peakRps: z.number().gt(0).optional(),
  audience: z.strictObject({
    viewers: z.number().int().min(1),
    /** Fraction of viewers who buy, in (0, 1]. */
    conversion: z.number().gt(0).max(1),
    /** Requests one purchase makes on the workload (checkout, pay, confirm…). @defaultValue 1 */
    requestsPerPurchase: z.number().gt(0).default(1),
  }).optional(),
  pulse: z.strictObject({
    /** From the link going live to the top of the pulse: seconds, not minutes. */
    rise: positiveDurationSchema,
    decayHalfLife: positiveDurationSchema,
  }),
  workloads: workloadListSchema,
});

const regionSchema = z.strictObject({
  name: nameSchema,
  timeZone: timeZoneSchema,
  /** Share of the traffic coming from the region, in (0, 1); the home zone keeps the rest. */
  trafficShare: z.number().gt(0).lt(1),
  /** Promotion ids that start again at the same local time in the region. @defaultValue [] */
  rolling: z.array(nameSchema).default([]),
});

export interface CalendarSchemaOptions {
  /** File name for the calendar's `source`. */
  source: string;
  /** Known online workload names; when given, every `workloads` entry must be one of them. */
  workloads?: readonly string[];
}

type Path = PropertyKey[];
type Ctx = z.RefinementCtx;

/** The calendar file schema; its output is the resolved PeakCalendar. */
export function calendarFileSchema(options: CalendarSchemaOptions): z.ZodType<PeakCalendar, unknown> {
  return z.strictObject({
    name: z.string().min(1),
    /** Required, so an invented day is never mistaken for a real one. */
    synthetic: z.boolean(),
    /** Zone of every entry that names none. */
    timeZone: timeZoneSchema,
    promotions: z.array(promotionSchema).default([]),
    offlineRetail: z.array(offlineRetailSchema).default([]),
    livestreams: z.array(livestreamSchema).default([]),
    regions: z.array(regionSchema).default([]),
  }).transform((file, ctx): PeakCalendar => {
    const issueCountBefore = ctx.issues.length;
    const toMs = (local: LocalDateTime, timeZone: string, path: Path): number => {
      try {
        return localToEpochMs(local, timeZone, 'reject');
      } catch (error) {
        if (!(error instanceof LocalTimeError)) throw error;
        ctx.addIssue({ code: 'custom', path, message: `expected a local time that happens exactly once (${error.message})` });
        return Number.NaN;
      }
    };

    const promotions = file.promotions.map((entry, index) => buildPromotion(entry, ['promotions', index], file.timeZone, toMs, ctx));
    const windows = file.offlineRetail.map((entry, index) => buildWindow(entry, ['offlineRetail', index], file.timeZone, ctx));
    const sessions = file.livestreams.map((entry, index) => buildLivestream(entry, ['livestreams', index], file.timeZone, toMs, ctx));
    const regions = file.regions.map((entry): Region => ({
      name: entry.name, timeZone: entry.timeZone, trafficShare: entry.trafficShare, rollingEventIds: entry.rolling,
    }));

    checkUniqueIds(file, ctx);
    checkPromotionOverlaps(promotions, ctx);
    checkRegions(file, ctx);
    if (options.workloads !== undefined) checkWorkloads(file, options.workloads, ctx);

    if (ctx.issues.length > issueCountBefore) return z.NEVER;
    const events: CalendarEvent[] = [...windows, ...promotions, ...sessions] as CalendarEvent[];
    return { name: file.name, synthetic: file.synthetic, source: options.source, events, regions };
  });
}

type PromotionEntry = z.output<typeof promotionSchema>;
type WindowEntry = z.output<typeof offlineRetailSchema>;
type LivestreamEntry = z.output<typeof livestreamSchema>;

function upliftOf(
  entry: { uplift?: number | undefined; learn?: boolean | undefined; fallbackUplift?: number | undefined },
  pastStartsMs: readonly number[],
  path: Path,
  ctx: Ctx,
): UpliftSpec {
  const learn = entry.learn === true;
  if (learn && entry.uplift !== undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'uplift'], message: 'expected either uplift or learn: true, not both' });
  }
  if (learn) {
    if (entry.fallbackUplift === undefined) {
      ctx.addIssue({ code: 'custom', path: [...path, 'fallbackUplift'], message: 'expected a fallbackUplift factor ≥ 1 with learn: true (used when the history has no past occurrence)' });
    }
    return { kind: 'learn', fallbackFactor: entry.fallbackUplift ?? 1, pastStartsMs };
  }
  if (entry.uplift === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'uplift'], message: 'expected an uplift factor ≥ 1, or learn: true with a fallbackUplift' });
  }
  if (entry.fallbackUplift !== undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'fallbackUplift'], message: 'expected fallbackUplift only with learn: true' });
  }
  return { kind: 'expected', factor: entry.uplift ?? 1 };
}

function buildPromotion(
  entry: PromotionEntry,
  path: Path,
  defaultZone: string,
  toMs: (local: LocalDateTime, zone: string, path: Path) => number,
  ctx: Ctx,
): PromotionEvent {
  const timeZone = entry.timeZone ?? defaultZone;
  const startMs = toMs(entry.start, timeZone, [...path, 'start']);
  const pastStartsMs = (entry.pastStarts ?? []).map((local, index) => toMs(local, timeZone, [...path, 'pastStarts', index]));
  if (entry.pastStarts !== undefined && entry.learn !== true) {
    ctx.addIssue({ code: 'custom', path: [...path, 'pastStarts'], message: 'expected pastStarts only with learn: true' });
  }
  pastStartsMs.forEach((pastMs, index) => {
    if (pastMs >= startMs) {
      ctx.addIssue({ code: 'custom', path: [...path, 'pastStarts', index], message: 'expected a past start before this promotion\'s start' });
    }
  });
  if (entry.ramp > entry.duration) {
    ctx.addIssue({ code: 'custom', path: [...path, 'ramp'], message: `expected a ramp no longer than the duration (${entry.duration} ms)` });
  }
  return {
    kind: 'promotion', id: entry.id, platform: entry.platform, startMs, durationMs: entry.duration, timeZone,
    rampMs: entry.ramp, uplift: upliftOf(entry, pastStartsMs, path, ctx), workloads: entry.workloads,
  };
}

function buildWindow(entry: WindowEntry, path: Path, defaultZone: string, ctx: Ctx): OfflineRetailWindow {
  if (entry.start === entry.end || (entry.start === 0 && entry.end === 1440)) {
    ctx.addIssue({ code: 'custom', path: [...path, 'end'], message: 'expected an end different from start (a window of zero or 24 hours is not a peak)' });
  } else if (entry.end < entry.start && !entry.crossesMidnight) {
    ctx.addIssue({ code: 'custom', path: [...path, 'end'], message: 'expected an end after start; if the window runs past midnight, set crossesMidnight: true' });
  } else if (entry.end > entry.start && entry.crossesMidnight) {
    ctx.addIssue({ code: 'custom', path: [...path, 'crossesMidnight'], message: 'expected crossesMidnight: false, since end is after start on the same day' });
  }
  if (entry.start === 1440) {
    ctx.addIssue({ code: 'custom', path: [...path, 'start'], message: 'expected a start before 24:00 (write 00:00)' });
  }
  return {
    kind: 'offline-retail', id: entry.id, timeZone: entry.timeZone ?? defaultZone,
    startMinuteOfDay: entry.start, endMinuteOfDay: entry.end,
    uplift: upliftOf(entry, [], path, ctx), workloads: entry.workloads,
  };
}

function buildLivestream(
  entry: LivestreamEntry,
  path: Path,
  defaultZone: string,
  toMs: (local: LocalDateTime, zone: string, path: Path) => number,
  ctx: Ctx,
): LivestreamSession {
  const pulse = { riseMs: entry.pulse.rise, decayHalfLifeMs: entry.pulse.decayHalfLife };
  let expectedPeakRps = entry.peakRps ?? 0;
  if (entry.peakRps !== undefined && entry.audience !== undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'audience'], message: 'expected either peakRps or audience, not both' });
  } else if (entry.audience !== undefined) {
    const { viewers, conversion, requestsPerPurchase } = entry.audience;
    expectedPeakRps = pulsePeakRpsForTotal(viewers * conversion * requestsPerPurchase, pulse);
  } else if (entry.peakRps === undefined) {
    ctx.addIssue({ code: 'custom', path: [...path, 'peakRps'], message: 'expected peakRps (requests/s at the top of the pulse) or audience (viewers × conversion)' });
  }
  if (entry.pulse.rise >= entry.duration) {
    ctx.addIssue({ code: 'custom', path: [...path, 'pulse', 'rise'], message: `expected a rise shorter than the session's duration (${entry.duration} ms)` });
  }
  return {
    kind: 'livestream', id: entry.id, host: entry.host,
    startMs: toMs(entry.start, entry.timeZone ?? defaultZone, [...path, 'start']),
    durationMs: entry.duration, expectedPeakRps, pulse, workloads: entry.workloads,
  };
}

type FileShape = {
  promotions: readonly PromotionEntry[];
  offlineRetail: readonly WindowEntry[];
  livestreams: readonly LivestreamEntry[];
  regions: readonly { name: string; trafficShare: number; rolling: readonly string[] }[];
};

function sections(file: FileShape): { section: string; entries: readonly { id: string; workloads: readonly string[] }[] }[] {
  return [
    { section: 'offlineRetail', entries: file.offlineRetail },
    { section: 'promotions', entries: file.promotions },
    { section: 'livestreams', entries: file.livestreams },
  ];
}

function checkUniqueIds(file: FileShape, ctx: Ctx): void {
  const firstPath = new Map<string, string>();
  for (const { section, entries } of sections(file)) {
    entries.forEach((entry, index) => {
      const first = firstPath.get(entry.id);
      if (first !== undefined) {
        ctx.addIssue({ code: 'custom', path: [section, index, 'id'], message: `expected unique event ids, got "${entry.id}" again (first at ${first})` });
      } else {
        firstPath.set(entry.id, `${section}[${index}]`);
      }
    });
  }
  const regionNames = new Map<string, number>();
  file.regions.forEach((region, index) => {
    const first = regionNames.get(region.name);
    if (first !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['regions', index, 'name'], message: `expected unique region names, got "${region.name}" again (first at regions[${first}])` });
    } else {
      regionNames.set(region.name, index);
    }
  });
}

/** Two promotions of one platform at once make no sense: the platform runs one sale at a time. */
function checkPromotionOverlaps(promotions: readonly PromotionEvent[], ctx: Ctx): void {
  promotions.forEach((later, laterIndex) => {
    for (let earlierIndex = 0; earlierIndex < laterIndex; earlierIndex += 1) {
      const earlier = promotions[earlierIndex] as PromotionEvent;
      if (earlier.platform !== later.platform || Number.isNaN(earlier.startMs) || Number.isNaN(later.startMs)) continue;
      const overlaps = later.startMs < earlier.startMs + earlier.durationMs && earlier.startMs < later.startMs + later.durationMs;
      if (overlaps) {
        ctx.addIssue({
          code: 'custom', path: ['promotions', laterIndex, 'start'],
          message: `expected promotions of platform "${later.platform}" not to overlap, but this one overlaps "${earlier.id}" (promotions[${earlierIndex}])`,
        });
      }
    }
  });
}

function checkRegions(file: FileShape, ctx: Ctx): void {
  const totalShare = file.regions.reduce((sum, region) => sum + region.trafficShare, 0);
  if (totalShare >= 1) {
    ctx.addIssue({ code: 'custom', path: ['regions'], message: `expected region traffic shares that sum to less than 1 (the home zone keeps the rest), got a sum of ${totalShare}` });
  }
  const promotionIds = new Set(file.promotions.map((promotion) => promotion.id));
  file.regions.forEach((region, regionIndex) => {
    region.rolling.forEach((id, index) => {
      if (!promotionIds.has(id)) {
        ctx.addIssue({ code: 'custom', path: ['regions', regionIndex, 'rolling', index], message: `expected the id of a promotion in this calendar, got "${id}"` });
      }
    });
  });
}

function checkWorkloads(file: FileShape, known: readonly string[], ctx: Ctx): void {
  const knownSet = new Set(known);
  for (const { section, entries } of sections(file)) {
    entries.forEach((entry, index) => {
      entry.workloads.forEach((name, workloadIndex) => {
        if (!knownSet.has(name)) {
          ctx.addIssue({
            code: 'custom', path: [section, index, 'workloads', workloadIndex],
            message: `expected an online workload of the config (${known.join(', ') || 'none configured'}), got "${name}"`,
          });
        }
      });
    });
  }
}
