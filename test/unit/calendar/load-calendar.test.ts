import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { LivestreamSession, OfflineRetailWindow, PromotionEvent } from '../../../src/domain/calendar.ts';
import { InputError } from '../../../src/domain/errors.ts';
import { zoneOffsetMs } from '../../../src/domain/time-zones.ts';
import { loadCalendarFile, parseCalendarText } from '../../../src/calendar/load-calendar.ts';

const SOURCE = 'forecasts/day.yaml';

/** A small valid calendar; rows below change one line each (or insert lines), keeping line numbers meaningful. */
const BASE = [
  /*  1 */ 'name: test-day',
  /*  2 */ 'synthetic: true',
  /*  3 */ 'timeZone: Asia/Shanghai',
  /*  4 */ 'offlineRetail:',
  /*  5 */ '  - id: evening',
  /*  6 */ '    start: "18:00"',
  /*  7 */ '    end: "22:00"',
  /*  8 */ '    uplift: 1.5',
  /*  9 */ 'promotions:',
  /* 10 */ '  - id: promo-a',
  /* 11 */ '    platform: mall-a',
  /* 12 */ '    start: 2026-11-11T20:00',
  /* 13 */ '    duration: 2h',
  /* 14 */ '    uplift: 2',
  /* 15 */ 'livestreams:',
  /* 16 */ '  - id: live-a',
  /* 17 */ '    host: someone',
  /* 18 */ '    start: 2026-11-11T20:30',
  /* 19 */ '    duration: 20m',
  /* 20 */ '    peakRps: 1000',
  /* 21 */ '    pulse: { rise: 10s, decayHalfLife: 1m }',
  /* 22 */ 'regions:',
  /* 23 */ '  - name: east',
  /* 24 */ '    timeZone: Asia/Tokyo',
  /* 25 */ '    trafficShare: 0.1',
];

function withLine(line: number, text: string): string {
  return BASE.map((original, index) => (index === line - 1 ? text : original)).join('\n');
}

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, but the calendar was accepted');
}

const SHANGHAI_OFFSET_MS = 8 * 3_600_000;

describe('parseCalendarText: a valid calendar', () => {
  it('resolves local times in their zones to epoch ms and fills the defaults', () => {
    const calendar = parseCalendarText(BASE.join('\n'), SOURCE);
    expect(calendar).toMatchObject({ name: 'test-day', synthetic: true, source: SOURCE });
    const [window, promotion, session] = calendar.events as [OfflineRetailWindow, PromotionEvent, LivestreamSession];
    expect(window).toEqual({
      kind: 'offline-retail', id: 'evening', timeZone: 'Asia/Shanghai', startMinuteOfDay: 1080, endMinuteOfDay: 1320,
      uplift: { kind: 'expected', factor: 1.5 }, workloads: [],
    });
    expect(promotion).toEqual({
      kind: 'promotion', id: 'promo-a', platform: 'mall-a', startMs: Date.UTC(2026, 10, 11, 20) - SHANGHAI_OFFSET_MS,
      durationMs: 7_200_000, timeZone: 'Asia/Shanghai', rampMs: 300_000, uplift: { kind: 'expected', factor: 2 }, workloads: [],
    });
    expect(session).toMatchObject({ kind: 'livestream', startMs: Date.UTC(2026, 10, 11, 20, 30) - SHANGHAI_OFFSET_MS, expectedPeakRps: 1000, pulse: { riseMs: 10_000, decayHalfLifeMs: 60_000 } });
    expect(calendar.regions).toEqual([{ name: 'east', timeZone: 'Asia/Tokyo', trafficShare: 0.1, rollingEventIds: [] }]);
  });

  it('learns an uplift from past starts in the entry\'s own zone', () => {
    const text = withLine(14, '    timeZone: Europe/Berlin\n    learn: true\n    pastStarts: [2025-11-11T20:00]\n    fallbackUplift: 1.7');
    const promotion = parseCalendarText(text, SOURCE).events[1] as PromotionEvent;
    expect(promotion.startMs).toBe(Date.UTC(2026, 10, 11, 19)); // 20:00 CET = 19:00 UTC
    expect(promotion.uplift).toEqual({ kind: 'learn', fallbackFactor: 1.7, pastStartsMs: [Date.UTC(2025, 10, 11, 19)] });
  });

  it('sizes a pulse from audience × conversion over the pulse\'s area', () => {
    const text = withLine(20, '    audience: { viewers: 1000000, conversion: 0.02, requestsPerPurchase: 3 }');
    const session = parseCalendarText(text, SOURCE).events[2] as LivestreamSession;
    // 60,000 requests over a pulse of area peak × (10 s / 2 + 60 s / ln 2).
    expect(session.expectedPeakRps).toBeCloseTo(60_000 / (5 + 60 / Math.LN2), 6);
  });

  it('accepts a window that crosses midnight when it says so', () => {
    const text = withLine(7, '    start: "22:00"\n    end: "02:00"\n    crossesMidnight: true').replace('    start: "18:00"\n', '');
    const window = parseCalendarText(text, SOURCE).events[0] as OfflineRetailWindow;
    expect([window.startMinuteOfDay, window.endMinuteOfDay]).toEqual([1320, 120]);
  });

  it('accepts a window ending at 24:00 and workloads the config knows', () => {
    const text = withLine(7, '    end: "24:00"\n    workloads: [payment]');
    const window = parseCalendarText(text, SOURCE, { workloads: ['payment', 'refund'] }).events[0] as OfflineRetailWindow;
    expect(window.endMinuteOfDay).toBe(1440);
    expect(window.workloads).toEqual(['payment']);
  });
});

describe('parseCalendarText: bad input names file, line and field', () => {
  it.each([
    { name: 'unknown time zone', text: withLine(3, 'timeZone: Asia/Shanghia'), line: 3, field: 'timeZone', message: /expected an IANA time zone .*, got "Asia\/Shanghia"/ },
    { name: 'unknown region zone', text: withLine(24, '    timeZone: Mars/Olympus'), line: 24, field: 'regions[0].timeZone', message: /IANA time zone/ },
    { name: 'unknown entry zone', text: withLine(13, '    duration: 2h\n    timeZone: CEST'), line: 14, field: 'promotions[0].timeZone', message: /IANA time zone.*got "CEST"/ },
    { name: 'synthetic label missing', text: withLine(2, '# forgot'), line: 1, field: 'synthetic', message: /expected true or false, got nothing/ },
    { name: 'window ends before it starts', text: withLine(7, '    end: "02:00"'), line: 7, field: 'offlineRetail[0].end', message: /end after start; if the window runs past midnight, set crossesMidnight: true/ },
    { name: 'window of zero length', text: withLine(7, '    end: "18:00"'), line: 7, field: 'offlineRetail[0].end', message: /different from start/ },
    { name: 'crossesMidnight on a same-day window', text: withLine(7, '    end: "22:00"\n    crossesMidnight: true'), line: 8, field: 'offlineRetail[0].crossesMidnight', message: /expected crossesMidnight: false/ },
    { name: 'hour 25', text: withLine(6, '    start: "25:00"'), line: 6, field: 'offlineRetail[0].start', message: /time of day HH:MM .*got "25:00"/ },
    { name: 'time of day as a number', text: withLine(6, '    start: 18'), line: 6, field: 'offlineRetail[0].start', message: /time of day HH:MM .*got 18/ },
    { name: 'uplift below 1', text: withLine(8, '    uplift: 0.5'), line: 8, field: 'offlineRetail[0].uplift', message: /expected a number ≥ 1, got 0.5/ },
    { name: 'zero duration', text: withLine(13, '    duration: 0s'), line: 13, field: 'promotions[0].duration', message: /greater than zero, got "0s"/ },
    { name: 'negative duration', text: withLine(13, '    duration: -2h'), line: 13, field: 'promotions[0].duration', message: /expected a duration .*got "-2h"/ },
    { name: 'start with an offset', text: withLine(12, '    start: 2026-11-11T20:00+08:00'), line: 12, field: 'promotions[0].start', message: /local date-time YYYY-MM-DDTHH:MM/ },
    { name: 'date that does not exist', text: withLine(12, '    start: 2026-02-30T20:00'), line: 12, field: 'promotions[0].start', message: /expected a real date and time/ },
    { name: 'local time skipped by DST', text: withLine(12, '    start: 2026-03-08T02:30\n    timeZone: America/New_York'), line: 12, field: 'promotions[0].start', message: /does not exist in America\/New_York/ },
    { name: 'local time repeated by DST', text: withLine(12, '    start: 2026-11-01T01:30\n    timeZone: America/New_York'), line: 12, field: 'promotions[0].start', message: /happens twice in America\/New_York/ },
    { name: 'both uplift and learn', text: withLine(14, '    uplift: 2\n    learn: true\n    fallbackUplift: 1.5'), line: 14, field: 'promotions[0].uplift', message: /either uplift or learn: true, not both/ },
    { name: 'neither uplift nor learn', text: withLine(14, '    ramp: 1m'), line: 10, field: 'promotions[0].uplift', message: /expected an uplift factor ≥ 1, or learn: true/ },
    { name: 'learn without fallback', text: withLine(14, '    learn: true'), line: 10, field: 'promotions[0].fallbackUplift', message: /fallbackUplift factor/ },
    { name: 'past start after the start', text: withLine(14, '    learn: true\n    fallbackUplift: 1.5\n    pastStarts: [2027-01-01T00:00]'), line: 16, field: 'promotions[0].pastStarts[0]', message: /past start before/ },
    { name: 'ramp longer than the promotion', text: withLine(14, '    uplift: 2\n    ramp: 3h'), line: 15, field: 'promotions[0].ramp', message: /ramp no longer than the duration/ },
    { name: 'overlapping promotions of one platform', text: withLine(14, '    uplift: 2\n  - id: promo-b\n    platform: mall-a\n    start: 2026-11-11T21:00\n    duration: 1h\n    uplift: 1.5'), line: 17, field: 'promotions[1].start', message: /platform "mall-a" not to overlap, but this one overlaps "promo-a"/ },
    { name: 'duplicate event id', text: withLine(16, '  - id: promo-a'), line: 16, field: 'livestreams[0].id', message: /unique event ids, got "promo-a" again \(first at promotions\[0\]\)/ },
    { name: 'pulse neither sized by rate nor audience', text: withLine(20, '    workloads: []'), line: 16, field: 'livestreams[0].peakRps', message: /expected peakRps .* or audience/ },
    { name: 'pulse sized twice', text: withLine(20, '    peakRps: 1000\n    audience: { viewers: 1000, conversion: 0.1 }'), line: 21, field: 'livestreams[0].audience', message: /either peakRps or audience/ },
    { name: 'conversion above 1', text: withLine(20, '    audience: { viewers: 1000, conversion: 1.5 }'), line: 20, field: 'livestreams[0].audience.conversion', message: /expected a number ≤ 1, got 1.5/ },
    { name: 'rise as long as the session', text: withLine(21, '    pulse: { rise: 30m, decayHalfLife: 1m }'), line: 21, field: 'livestreams[0].pulse.rise', message: /rise shorter than the session/ },
    { name: 'region shares of 100 % or more', text: `${BASE.join('\n')}\n  - name: west\n    timeZone: Europe/Berlin\n    trafficShare: 0.95`, line: 23, field: 'regions', message: /sum to less than 1 .*got a sum of 1.05/ },
    { name: 'rolling an unknown promotion', text: withLine(25, '    trafficShare: 0.1\n    rolling: [promo-x]'), line: 26, field: 'regions[0].rolling[0]', message: /id of a promotion in this calendar, got "promo-x"/ },
    { name: 'duplicate region', text: `${BASE.join('\n')}\n  - name: east\n    timeZone: Asia/Seoul\n    trafficShare: 0.1`, line: 26, field: 'regions[1].name', message: /unique region names/ },
    { name: 'misspelt field', text: withLine(19, '    durration: 20m'), line: 19, field: 'livestreams[0].durration', message: /"durration" is not a field \(did you mean "duration"\?\), got "20m"/ },
  ])('$name', ({ text, line, field, message }) => {
    const error = errorOf(() => parseCalendarText(text, SOURCE));
    expect(error.details).toContainEqual(expect.stringMatching(new RegExp(`^${SOURCE}:${line}: ${field.replace(/[[\].]/g, '\\$&')}: `)));
    const problem = error.details.find((detail) => detail.startsWith(`${SOURCE}:${line}: ${field}: `));
    expect(problem).toMatch(message);
    expect(error.message).toContain(SOURCE);
  });

  it('rejects workloads the config does not have, when given the list', () => {
    const text = withLine(8, '    uplift: 1.5\n    workloads: [payment, refnud]');
    expect(() => parseCalendarText(text, SOURCE)).not.toThrow();
    const error = errorOf(() => parseCalendarText(text, SOURCE, { workloads: ['payment', 'refund'] }));
    expect(error.location).toEqual({ source: SOURCE, line: 9, field: 'offlineRetail[0].workloads[1]' });
    expect(error.message).toMatch(/expected an online workload of the config \(payment, refund\), got "refnud"/);
  });
});

describe('forecasts/double11.yaml', () => {
  it('is the labelled synthetic Double-11 evening the issue describes', async () => {
    const calendar = await loadCalendarFile(join(import.meta.dirname, '../../../forecasts/double11.yaml'), {
      workloads: ['payment', 'balance-payment', 'refund', 'checkout'],
    });
    expect(calendar.synthetic).toBe(true);
    const localHourMinute = (ms: number): string => new Date(ms + SHANGHAI_OFFSET_MS).toISOString().slice(0, 16);
    const promotions = calendar.events.filter((event): event is PromotionEvent => event.kind === 'promotion');
    expect(promotions.map((event) => [event.platform, localHourMinute(event.startMs)])).toEqual([
      ['platform-a', '2026-11-11T20:00'], ['platform-b', '2026-11-11T21:00'], ['platform-c', '2026-11-12T00:00'],
    ]);
    const sessions = calendar.events.filter((event) => event.kind === 'livestream');
    expect(sessions).toHaveLength(3);
    const [window] = calendar.events.filter((event): event is OfflineRetailWindow => event.kind === 'offline-retail');
    // The sin²-shaped window tops out at its middle: 20:00.
    expect(window && (window.startMinuteOfDay + window.endMinuteOfDay) / 2).toBe(20 * 60);
    expect(calendar.regions).toHaveLength(1);
    const region = calendar.regions[0] as (typeof calendar.regions)[number];
    const evening = promotions[0]?.startMs ?? 0;
    // Two hours ahead of Shanghai: its 20:00 peaks roll in at 18:00 Shanghai time.
    expect(zoneOffsetMs(evening, region.timeZone) - zoneOffsetMs(evening, 'Asia/Shanghai')).toBe(2 * 3_600_000);
    expect(region.rollingEventIds).toEqual(['platform-a-2000']);
  });
});
