import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type {
  CalendarEvent, LivestreamSession, OfflineRetailWindow, PeakCalendar, PromotionEvent, Region,
} from '../../../src/domain/calendar.ts';
import { eventOccurrences, eventsForWorkload } from '../../../src/domain/calendar-occurrences.ts';
import { epochMsToLocal, localToEpochMs, zoneOffsetMs } from '../../../src/domain/time-zones.ts';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function window(overrides: Partial<OfflineRetailWindow> = {}): OfflineRetailWindow {
  return {
    kind: 'offline-retail', id: 'evening', timeZone: 'Asia/Shanghai', startMinuteOfDay: 18 * 60, endMinuteOfDay: 22 * 60,
    uplift: { kind: 'expected', factor: 1.5 }, workloads: [], ...overrides,
  };
}

function promotion(overrides: Partial<PromotionEvent> = {}): PromotionEvent {
  return {
    kind: 'promotion', id: 'promo', platform: 'mall', startMs: Date.UTC(2026, 10, 11, 12), durationMs: 2 * HOUR_MS,
    timeZone: 'Asia/Shanghai', rampMs: 0, uplift: { kind: 'expected', factor: 2 }, workloads: [], ...overrides,
  };
}

const session: LivestreamSession = {
  kind: 'livestream', id: 'live', host: 'host', startMs: Date.UTC(2026, 10, 11, 12, 30), durationMs: 20 * 60_000,
  expectedPeakRps: 1000, pulse: { riseMs: 10_000, decayHalfLifeMs: 60_000 }, workloads: ['checkout'],
};

function calendar(events: CalendarEvent[], regions: Region[] = []): PeakCalendar {
  return { name: 'test', synthetic: true, source: 'test', events, regions };
}

const iso = (ms: number): string => new Date(ms).toISOString();

describe('eventOccurrences', () => {
  it('expands a daily window once per local day and keeps one-off events, sorted by start', () => {
    const from = Date.UTC(2026, 10, 10, 16); // 11 Nov 00:00 Shanghai
    const to = from + 2 * DAY_MS;
    const occurrences = eventOccurrences(calendar([promotion(), window(), session]), from, to);
    expect(occurrences.map((occurrence) => [occurrence.eventId, iso(occurrence.startMs), iso(occurrence.endMs)])).toEqual([
      ['evening', '2026-11-11T10:00:00.000Z', '2026-11-11T14:00:00.000Z'],
      ['promo', '2026-11-11T12:00:00.000Z', '2026-11-11T14:00:00.000Z'],
      ['live', '2026-11-11T12:30:00.000Z', '2026-11-11T12:50:00.000Z'],
      ['evening', '2026-11-12T10:00:00.000Z', '2026-11-12T14:00:00.000Z'],
    ]);
    expect(occurrences.map((occurrence) => occurrence.label)).toEqual([
      'in-store 18:00–22:00 Asia/Shanghai', 'mall promotion', 'livestream host', 'in-store 18:00–22:00 Asia/Shanghai',
    ]);
  });

  it('keeps an occurrence that overlaps the range unclipped, so its ramp is still visible', () => {
    const from = Date.UTC(2026, 10, 11, 13);
    const [occurrence] = eventOccurrences(calendar([promotion()]), from, from + HOUR_MS);
    expect(occurrence?.startMs).toBe(Date.UTC(2026, 10, 11, 12));
  });

  it('ends a window that crosses midnight on the next local day, and finds the one begun the evening before', () => {
    const lateNight = window({ id: 'late', startMinuteOfDay: 22 * 60, endMinuteOfDay: 2 * 60 });
    const from = Date.UTC(2026, 10, 10, 17); // 11 Nov 01:00 Shanghai, inside the window begun on 10 Nov
    const occurrences = eventOccurrences(calendar([lateNight]), from, from + HOUR_MS);
    expect(occurrences.map((occurrence) => [iso(occurrence.startMs), iso(occurrence.endMs)])).toEqual([
      ['2026-11-10T14:00:00.000Z', '2026-11-10T18:00:00.000Z'],
    ]);
  });

  it('ends a window at 24:00 at the next midnight', () => {
    const untilMidnight = window({ startMinuteOfDay: 20 * 60, endMinuteOfDay: 1440 });
    const from = Date.UTC(2026, 10, 10, 16);
    const [occurrence] = eventOccurrences(calendar([untilMidnight]), from, from + DAY_MS);
    expect([iso(occurrence?.startMs ?? 0), iso(occurrence?.endMs ?? 0)]).toEqual(['2026-11-11T12:00:00.000Z', '2026-11-11T16:00:00.000Z']);
  });

  it('keeps a daily window at its local time across DST: 23 h and 25 h apart on the change days', () => {
    const berlin = window({ timeZone: 'Europe/Berlin', startMinuteOfDay: 18 * 60, endMinuteOfDay: 20 * 60 });
    const from = Date.UTC(2026, 2, 27);
    const springGaps = eventOccurrences(calendar([berlin]), from, from + 3 * DAY_MS)
      .map((occurrence, index, all) => (index > 0 ? (occurrence.startMs - (all[index - 1]?.startMs ?? 0)) / HOUR_MS : undefined));
    expect(springGaps).toEqual([undefined, 24, 23]); // clocks go forward in the night to 29 March
    const autumn = Date.UTC(2026, 9, 23);
    const autumnGaps = eventOccurrences(calendar([berlin]), autumn, autumn + 3 * DAY_MS)
      .map((occurrence, index, all) => (index > 0 ? (occurrence.startMs - (all[index - 1]?.startMs ?? 0)) / HOUR_MS : undefined));
    expect(autumnGaps).toEqual([undefined, 24, 25]); // back in the night to 25 October
  });

  it('gives each region its own shifted windows and splits the traffic shares', () => {
    const region: Region = { name: 'east', timeZone: 'Australia/Brisbane', trafficShare: 0.12 };
    const from = Date.UTC(2026, 10, 10, 16);
    const occurrences = eventOccurrences(calendar([window()], [region]), from, from + DAY_MS);
    expect(occurrences.map((occurrence) => [occurrence.eventId, iso(occurrence.startMs), occurrence.region, occurrence.trafficShare])).toEqual([
      ['evening@east', '2026-11-11T08:00:00.000Z', 'east', 0.12],
      ['evening', '2026-11-11T10:00:00.000Z', undefined, 0.88],
    ]);
  });

  it('rolls a promotion into the regions that list it, at the same local wall-clock time', () => {
    const region: Region = { name: 'east', timeZone: 'Australia/Brisbane', trafficShare: 0.12, rollingEventIds: ['promo'] };
    const other: Region = { name: 'west', timeZone: 'Europe/Berlin', trafficShare: 0.1 };
    const from = Date.UTC(2026, 10, 11);
    const occurrences = eventOccurrences(calendar([promotion(), promotion({ id: 'other', platform: 'b' })], [region, other]), from, from + DAY_MS);
    expect(occurrences.map((occurrence) => [occurrence.eventId, iso(occurrence.startMs), occurrence.trafficShare])).toEqual([
      ['promo@east', '2026-11-11T10:00:00.000Z', 0.12],
      ['other', '2026-11-11T12:00:00.000Z', 1],
      ['promo', '2026-11-11T12:00:00.000Z', 0.88],
    ]);
  });

  it('returns nothing for an empty or reversed range', () => {
    const from = Date.UTC(2026, 10, 11);
    expect(eventOccurrences(calendar([window(), promotion()]), from, from)).toEqual([]);
    expect(eventOccurrences(calendar([window(), promotion()]), from, from - DAY_MS)).toEqual([]);
  });

  it('eventsForWorkload keeps events for all workloads and those naming the workload', () => {
    const events = calendar([window(), session]);
    expect(eventsForWorkload(events, 'checkout').map((event) => event.id)).toEqual(['evening', 'live']);
    expect(eventsForWorkload(events, 'refund').map((event) => event.id)).toEqual(['evening']);
  });
});

describe('eventOccurrences properties', () => {
  const zones = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kolkata', 'America/Sao_Paulo'];
  const dailyWindow = fc.record({
    timeZone: fc.constantFrom(...zones),
    startMinuteOfDay: fc.integer({ min: 0, max: 1439 }),
    endMinuteOfDay: fc.integer({ min: 0, max: 1440 }),
  }).filter((shape) => shape.startMinuteOfDay !== shape.endMinuteOfDay && !(shape.startMinuteOfDay === 0 && shape.endMinuteOfDay === 1440))
    .map((shape) => window(shape));
  const range = fc.record({
    fromMs: fc.integer({ min: Date.UTC(2020, 0, 1) / 60_000, max: Date.UTC(2035, 0, 1) / 60_000 }).map((minutes) => minutes * 60_000),
    lengthMs: fc.integer({ min: 1, max: 20 * DAY_MS }),
  });

  it('every occurrence overlaps [from, to), has positive length, and they are sorted by start', () => {
    const promotions = fc.array(fc.record({
      startMs: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
      durationMs: fc.integer({ min: 1, max: 3 * DAY_MS }),
    }), { maxLength: 4 }).map((list) => list.map((entry, index) => promotion({ ...entry, id: `p${index}` })));
    fc.assert(fc.property(dailyWindow, promotions, range, (daily, promos, { fromMs, lengthMs }) => {
      const toMs = fromMs + lengthMs;
      const occurrences = eventOccurrences(calendar([daily, ...promos]), fromMs, toMs);
      occurrences.forEach((occurrence, index) => {
        expect(occurrence.startMs).toBeLessThan(toMs);
        expect(occurrence.endMs).toBeGreaterThan(fromMs);
        expect(occurrence.endMs).toBeGreaterThan(occurrence.startMs);
        if (index > 0) expect(occurrence.startMs).toBeGreaterThanOrEqual(occurrences[index - 1]?.startMs ?? 0);
      });
    }), { numRuns: 150 });
  });

  it('daily windows start 24 h apart, except by the offset change across DST; at the stated local time unless it did not exist', () => {
    fc.assert(fc.property(dailyWindow, range, (daily, { fromMs, lengthMs }) => {
      const occurrences = eventOccurrences(calendar([daily]), fromMs, fromMs + lengthMs);
      occurrences.forEach((occurrence, index) => {
        const wall = epochMsToLocal(occurrence.startMs, daily.timeZone);
        const statedMinute = daily.startMinuteOfDay;
        const wallMinute = wall.hour * 60 + wall.minute;
        // A start inside a spring-forward gap is moved forward by the gap (≤ 1 h).
        const lateByMinutes = (wallMinute - statedMinute + 1440) % 1440;
        expect(lateByMinutes).toBeLessThanOrEqual(60);
        if (lateByMinutes > 0) {
          const stated = { ...wall, hour: Math.floor(statedMinute / 60), minute: statedMinute % 60 };
          expect(() => localToEpochMs(stated, daily.timeZone, 'reject')).toThrow(/does not exist/);
        }
        const previous = occurrences[index - 1];
        if (previous !== undefined && lateByMinutes === 0
          && (wall.hour * 60 + wall.minute) === (epochMsToLocal(previous.startMs, daily.timeZone).hour * 60 + epochMsToLocal(previous.startMs, daily.timeZone).minute)) {
          const offsetChangeMs = zoneOffsetMs(occurrence.startMs, daily.timeZone) - zoneOffsetMs(previous.startMs, daily.timeZone);
          expect(occurrence.startMs - previous.startMs).toBe(DAY_MS - offsetChangeMs);
        }
      });
    }), { numRuns: 150 });
  });

  it('no day is missed: any instant inside the window\'s local hours lies in some occurrence', () => {
    fc.assert(fc.property(dailyWindow, range, fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }), (daily, { fromMs, lengthMs }, at) => {
      const probeMs = fromMs + Math.floor(at * lengthMs);
      const wall = epochMsToLocal(probeMs, daily.timeZone);
      const minute = wall.hour * 60 + wall.minute;
      const crosses = daily.endMinuteOfDay <= daily.startMinuteOfDay;
      const inside = crosses
        ? minute >= daily.startMinuteOfDay || minute < daily.endMinuteOfDay
        : minute >= daily.startMinuteOfDay && minute < daily.endMinuteOfDay;
      // Skip instants within an hour of a DST change, where the wall clock is not the window's clock.
      const nearChange = zoneOffsetMs(probeMs - HOUR_MS, daily.timeZone) !== zoneOffsetMs(probeMs + HOUR_MS, daily.timeZone);
      fc.pre(inside && !nearChange);
      const occurrences = eventOccurrences(calendar([daily]), fromMs, fromMs + lengthMs);
      expect(occurrences.some((occurrence) => occurrence.startMs <= probeMs && probeMs < occurrence.endMs)).toBe(true);
    }), { numRuns: 150 });
  });

  it('the home zone and the regions\' copies of a window carry shares that sum to 1', () => {
    const shares = fc.array(fc.double({ min: 0.01, max: 0.3, noNaN: true }), { minLength: 1, maxLength: 3 });
    fc.assert(fc.property(shares, (regionShares) => {
      const regions = regionShares.map((trafficShare, index): Region => ({ name: `r${index}`, timeZone: zones[index] ?? 'UTC', trafficShare }));
      const from = Date.UTC(2026, 5, 15, 12);
      const occurrences = eventOccurrences(calendar([window({ startMinuteOfDay: 0, endMinuteOfDay: 1439 })], regions), from, from + 1);
      const total = occurrences.reduce((sum, occurrence) => sum + (occurrence.trafficShare ?? 1), 0);
      expect(total).toBeCloseTo(1, 9);
    }), { numRuns: 50 });
  });
});
