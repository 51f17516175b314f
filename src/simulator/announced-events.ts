/**
 * Short-notice events in a simulation: a PeakEvent that nobody knew of until `announcedAt` (the
 * operations room hears of a livestream flash sale 25 minutes ahead and runs `chuanliu event add`).
 *
 * The traffic contains the event from the start (it happens either way); a strategy that plans
 * from the calendar sees it only from its announcement on, merged into the calendar exactly as the
 * controller merges PeakEvents (calendar/peak-event.ts). Strategies that do not read the calendar
 * (the HPA, KEDA's cron floors, which are written before the night) never see it.
 */
import type { PeakCalendar } from '../domain/calendar.ts';
import { InputError } from '../domain/errors.ts';
import { formatDurationMs } from '../domain/units.ts';
import { mergePeakEvents, parsePeakEvent, type EventClash, type PeakEvent, type PeakEventObject } from '../calendar/peak-event.ts';

export interface AnnouncedPeakEvent {
  /** When the event became known (the PeakEvent was created), epoch ms. */
  readonly announcedAtMs: number;
  readonly event: PeakEvent;
}

/** A PeakEvent object with its announcement time, as a scenario file or the demo gives it. */
export interface AnnouncedPeakEventInput {
  readonly announcedAtMs: number;
  readonly object: PeakEventObject;
}

/**
 * Validates one announced PeakEvent against a scenario's window and online workloads: it must be
 * announced inside the run and no later than its start (a PeakEvent created after the start is a
 * different story: the guard's). InputError names `source` and the field (`announcedAt`, `spec.…`).
 */
export function parseAnnouncedPeakEvent(
  input: AnnouncedPeakEventInput,
  options: { readonly source: string; readonly runStartMs: number; readonly runEndMs: number; readonly onlineWorkloads: readonly string[] },
): AnnouncedPeakEvent {
  const { source } = options;
  const event = parsePeakEvent(input.object, { workloads: options.onlineWorkloads, source });
  if (input.announcedAtMs < options.runStartMs || input.announcedAtMs >= options.runEndMs) {
    throw new InputError(`expected an announcement inside the run (${new Date(options.runStartMs).toISOString()} → ${new Date(options.runEndMs).toISOString()})`, { source, field: 'announcedAt' });
  }
  if (input.announcedAtMs > event.startMs) {
    throw new InputError(`expected an announcement no later than the event's start (${new Date(event.startMs).toISOString()}), got ${formatDurationMs(input.announcedAtMs - event.startMs)} after it`, { source, field: 'announcedAt' });
  }
  return { announcedAtMs: input.announcedAtMs, event };
}

/** The calendar with every announced event in it: what the traffic follows. */
export function calendarWithAnnounced(calendar: PeakCalendar | undefined, announced: readonly AnnouncedPeakEvent[], onlineWorkloads: readonly string[]): PeakCalendar | undefined {
  return mergePeakEvents(calendar, announced.map((entry) => entry.event), onlineWorkloads).calendar;
}

/**
 * What a calendar-reading strategy knows over time: the calendar plus the events announced so far.
 * `advance(nowMs)` says which events became known since the last call (in announcement order).
 */
export class AnnouncementTracker {
  private readonly pending: AnnouncedPeakEvent[];
  private readonly known: PeakEvent[] = [];

  constructor(
    private readonly calendar: PeakCalendar | undefined,
    announced: readonly AnnouncedPeakEvent[],
    private readonly onlineWorkloads: readonly string[],
  ) {
    this.pending = [...announced].sort((a, b) => a.announcedAtMs - b.announcedAtMs);
  }

  /** Events announced at or before `nowMs` that were not yet returned. */
  advance(nowMs: number): AnnouncedPeakEvent[] {
    const newlyKnown: AnnouncedPeakEvent[] = [];
    while (this.pending.length > 0 && (this.pending[0] as AnnouncedPeakEvent).announcedAtMs <= nowMs) {
      const next = this.pending.shift() as AnnouncedPeakEvent;
      this.known.push(next.event);
      newlyKnown.push(next);
    }
    return newlyKnown;
  }

  /** The calendar as known now, and where a known event overlaps a calendar entry (both apply). */
  current(): { calendar: PeakCalendar | undefined; clashes: EventClash[] } {
    return mergePeakEvents(this.calendar, this.known, this.onlineWorkloads);
  }
}
