/**
 * Expands a peak calendar into the concrete occurrences inside a time range: one-off events as they
 * are, daily offline-retail windows once per local day in their zone (so a window at 20:00 stays at
 * 20:00 local across a DST change and is then 23 or 25 hours from the previous one), and every
 * region's shifted copies (rolling peaks). Pure.
 */
import type {
  CalendarEvent, EventOccurrence, LivestreamSession, OfflineRetailWindow, PeakCalendar, PromotionEvent, Region,
} from './calendar.ts';
import { DAY_MS } from './units.ts';
import { addLocalDays, epochMsToLocal, localToEpochMs, type LocalDateTime } from './time-zones.ts';

const MINUTES_PER_DAY = 1440;

/**
 * Every occurrence that overlaps [fromMs, toMs) (startMs < toMs and endMs > fromMs), unclipped so a
 * consumer still sees where a ramp began. Sorted by start, then id.
 *
 * Traffic shares: with regions, the home zone's daily windows carry 1 − Σ region shares and each
 * region's copy carries that region's share; a promotion rolled into regions is split the same way.
 * Everything else carries the whole traffic (`trafficShare` 1).
 */
export function eventOccurrences(calendar: PeakCalendar, fromMs: number, toMs: number): EventOccurrence[] {
  if (!(toMs > fromMs)) return [];
  const homeWindowShare = 1 - sumShares(calendar.regions);
  const occurrences: EventOccurrence[] = [];

  for (const event of calendar.events) {
    switch (event.kind) {
      case 'promotion':
        occurrences.push(...promotionOccurrences(event, calendar.regions));
        break;
      case 'livestream':
        occurrences.push(livestreamOccurrence(event));
        break;
      case 'offline-retail':
        occurrences.push(...dailyWindowOccurrences(event, {
          timeZone: event.timeZone, fromMs, toMs, trafficShare: calendar.regions.length > 0 ? homeWindowShare : 1,
        }));
        for (const region of calendar.regions) {
          occurrences.push(...dailyWindowOccurrences(event, {
            timeZone: region.timeZone, fromMs, toMs, trafficShare: region.trafficShare, region,
          }));
        }
        break;
    }
  }

  return occurrences
    .filter((occurrence) => occurrence.startMs < toMs && occurrence.endMs > fromMs)
    .sort((a, b) => a.startMs - b.startMs || compareText(a.eventId, b.eventId));
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sumShares(regions: readonly Region[]): number {
  return regions.reduce((sum, region) => sum + region.trafficShare, 0);
}

function livestreamOccurrence(event: LivestreamSession): EventOccurrence {
  return {
    eventId: event.id, kind: event.kind, label: `livestream ${event.host}`,
    startMs: event.startMs, endMs: event.startMs + event.durationMs, event, trafficShare: 1,
  };
}

function promotionOccurrences(event: PromotionEvent, regions: readonly Region[]): EventOccurrence[] {
  const rollingRegions = regions.filter((region) => region.rollingEventIds?.includes(event.id) ?? false);
  const home: EventOccurrence = {
    eventId: event.id, kind: event.kind, label: `${event.platform} promotion`,
    startMs: event.startMs, endMs: event.startMs + event.durationMs, event,
    trafficShare: 1 - sumShares(rollingRegions),
  };
  const localStart = epochMsToLocal(event.startMs, event.timeZone);
  const rolled = rollingRegions.map((region): EventOccurrence => {
    const startMs = localToEpochMs(localStart, region.timeZone);
    return {
      eventId: `${event.id}@${region.name}`, kind: event.kind, label: `${event.platform} promotion (${region.name})`,
      startMs, endMs: startMs + event.durationMs, event, region: region.name, trafficShare: region.trafficShare,
    };
  });
  return [home, ...rolled];
}

function formatMinuteOfDay(minuteOfDay: number): string {
  const hours = Math.floor(minuteOfDay / 60) % 24;
  return `${String(hours).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

function atMinuteOfDay(date: LocalDateTime, minuteOfDay: number): LocalDateTime {
  const dayOffset = Math.floor(minuteOfDay / MINUTES_PER_DAY);
  const withinDay = minuteOfDay - dayOffset * MINUTES_PER_DAY;
  const day = dayOffset === 0 ? date : addLocalDays(date, dayOffset);
  return { ...day, hour: Math.floor(withinDay / 60), minute: withinDay % 60, second: 0 };
}

/**
 * One occurrence per local day of `timeZone`. Local days from two days before `fromMs` are
 * considered, so a window that began the previous evening and crosses midnight is found too.
 */
function dailyWindowOccurrences(
  event: OfflineRetailWindow,
  options: { timeZone: string; fromMs: number; toMs: number; trafficShare: number; region?: Region },
): EventOccurrence[] {
  const crossesMidnight = event.endMinuteOfDay <= event.startMinuteOfDay;
  const endMinute = crossesMidnight ? event.endMinuteOfDay + MINUTES_PER_DAY : event.endMinuteOfDay;
  const suffix = options.region !== undefined ? ` (${options.region.name})` : '';
  const label = `in-store ${formatMinuteOfDay(event.startMinuteOfDay)}–${formatMinuteOfDay(event.endMinuteOfDay)}`
    + ` ${options.timeZone}${suffix}`;

  const firstDay = epochMsToLocal(options.fromMs - 2 * DAY_MS, options.timeZone);
  const occurrences: EventOccurrence[] = [];
  for (let dayIndex = 0; ; dayIndex += 1) {
    const day = addLocalDays(firstDay, dayIndex);
    const startMs = localToEpochMs(atMinuteOfDay(day, event.startMinuteOfDay), options.timeZone);
    if (startMs >= options.toMs) break;
    const endMs = localToEpochMs(atMinuteOfDay(day, endMinute), options.timeZone);
    // A window that lies wholly inside a spring-forward gap can map to an empty interval; skip it.
    if (endMs <= startMs) continue;
    occurrences.push({
      eventId: options.region !== undefined ? `${event.id}@${options.region.name}` : event.id,
      kind: event.kind, label, startMs, endMs, event,
      ...(options.region !== undefined ? { region: options.region.name } : {}),
      trafficShare: options.trafficShare,
    });
  }
  return occurrences;
}

/** The events of `calendar` that apply to `workload` (an empty workload list means all workloads). */
export function eventsForWorkload(calendar: PeakCalendar, workload: string): CalendarEvent[] {
  return calendar.events.filter((event) => event.workloads.length === 0 || event.workloads.includes(workload));
}

/**
 * The zone a calendar's people live in (its first entry's zone): daily and weekly demand cycles
 * follow it, and plans are shown in it. Undefined for a calendar without zoned entries.
 */
export function calendarTimeZone(calendar: PeakCalendar | undefined): string | undefined {
  for (const event of calendar?.events ?? []) {
    if ('timeZone' in event) return event.timeZone;
  }
  return undefined;
}
