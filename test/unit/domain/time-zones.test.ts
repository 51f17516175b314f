import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addLocalDays, epochMsToLocal, isValidTimeZone, localToEpochMs, LocalTimeError, zoneOffsetMs, type LocalDateTime,
} from '../../../src/domain/time-zones.ts';

const HOUR_MS = 3_600_000;

/** Zones with DST both hemispheres, half-hour offsets, a 30-minute DST shift and none at all. */
const TEST_ZONES = [
  'UTC', 'Asia/Shanghai', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Australia/Lord_Howe',
  'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham', 'America/Sao_Paulo', 'Europe/London', 'Pacific/Kiritimati',
];

function local(text: string): LocalDateTime {
  const [date, time] = text.split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second = 0] = time.split(':').map(Number) as [number, number, number?];
  return { year, month, day, hour, minute, second };
}

describe('localToEpochMs', () => {
  it.each([
    { name: 'Shanghai has no DST', zone: 'Asia/Shanghai', at: '2026-11-11T20:00', utc: '2026-11-11T12:00:00.000Z' },
    { name: 'New York in winter', zone: 'America/New_York', at: '2026-01-15T09:00', utc: '2026-01-15T14:00:00.000Z' },
    { name: 'New York in summer', zone: 'America/New_York', at: '2026-07-15T09:00', utc: '2026-07-15T13:00:00.000Z' },
    { name: 'India is +05:30', zone: 'Asia/Kolkata', at: '2026-11-11T20:00', utc: '2026-11-11T14:30:00.000Z' },
    { name: 'Chatham is +13:45 in its summer', zone: 'Pacific/Chatham', at: '2026-01-01T00:00', utc: '2025-12-31T10:15:00.000Z' },
    { name: 'gap, compatible: moved forward by the gap', zone: 'America/New_York', at: '2026-03-08T02:30', utc: '2026-03-08T07:30:00.000Z' },
    { name: 'gap of 30 min at Lord Howe', zone: 'Australia/Lord_Howe', at: '2026-10-04T02:15', utc: '2026-10-03T15:45:00.000Z' },
    { name: 'overlap, compatible: the first instant', zone: 'America/New_York', at: '2026-11-01T01:30', utc: '2026-11-01T05:30:00.000Z' },
    { name: 'Berlin overlap, compatible: the first instant', zone: 'Europe/Berlin', at: '2026-10-25T02:30', utc: '2026-10-25T00:30:00.000Z' },
  ])('$name', ({ zone, at, utc }) => {
    expect(new Date(localToEpochMs(local(at), zone)).toISOString()).toBe(utc);
  });

  it.each([
    { policy: 'earlier', at: '2026-03-08T02:30', utc: '2026-03-08T06:30:00.000Z' },
    { policy: 'later', at: '2026-03-08T02:30', utc: '2026-03-08T07:30:00.000Z' },
    { policy: 'earlier', at: '2026-11-01T01:30', utc: '2026-11-01T05:30:00.000Z' },
    { policy: 'later', at: '2026-11-01T01:30', utc: '2026-11-01T06:30:00.000Z' },
  ] as const)('$policy for $at in New York', ({ policy, at, utc }) => {
    expect(new Date(localToEpochMs(local(at), 'America/New_York', policy)).toISOString()).toBe(utc);
  });

  it.each([
    { name: 'nonexistent', at: '2026-03-08T02:30', message: /does not exist in America\/New_York/ },
    { name: 'ambiguous', at: '2026-11-01T01:30', message: /happens twice in America\/New_York/ },
  ])('reject throws for a $name local time', ({ at, message }) => {
    expect(() => localToEpochMs(local(at), 'America/New_York', 'reject')).toThrow(message);
  });

  it.each([
    { name: 'month 13', value: { year: 2026, month: 13, day: 1, hour: 0, minute: 0, second: 0 }, message: /month must be an integer in 1–12/ },
    { name: '30 February', value: { year: 2026, month: 2, day: 30, hour: 0, minute: 0, second: 0 }, message: /month has 28 days/ },
    { name: '29 February of a non-leap year', value: { year: 2100, month: 2, day: 29, hour: 0, minute: 0, second: 0 }, message: /month has 28 days/ },
    { name: 'hour 24', value: { year: 2026, month: 1, day: 1, hour: 24, minute: 0, second: 0 }, message: /hour must be/ },
    { name: 'fractional minute', value: { year: 2026, month: 1, day: 1, hour: 1, minute: 0.5, second: 0 }, message: /minute must be an integer/ },
  ])('rejects $name', ({ value, message }) => {
    expect(() => localToEpochMs(value, 'UTC')).toThrow(LocalTimeError);
    expect(() => localToEpochMs(value, 'UTC')).toThrow(message);
  });

  it('accepts 29 February of a leap year', () => {
    expect(localToEpochMs(local('2028-02-29T12:00'), 'UTC')).toBe(Date.UTC(2028, 1, 29, 12));
  });

  it('names an unknown zone', () => {
    expect(() => localToEpochMs(local('2026-01-01T00:00'), 'Mars/Olympus')).toThrow(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('isValidTimeZone', () => {
  it.each([
    { zone: 'Asia/Shanghai', valid: true },
    { zone: 'UTC', valid: true },
    { zone: 'America/Argentina/Buenos_Aires', valid: true },
    { zone: 'Asia/Shanghia', valid: false },
    { zone: 'CEST', valid: false },
    { zone: '', valid: false },
    { zone: ' Asia/Shanghai', valid: false },
  ])('$zone → $valid', ({ zone, valid }) => {
    expect(isValidTimeZone(zone)).toBe(valid);
  });
});

describe('zoneOffsetMs and addLocalDays', () => {
  it.each([
    { zone: 'Asia/Shanghai', at: '2026-11-11T12:00:00Z', offsetHours: 8 },
    { zone: 'Europe/Berlin', at: '2026-07-01T12:00:00Z', offsetHours: 2 },
    { zone: 'Europe/Berlin', at: '2026-12-01T12:00:00Z', offsetHours: 1 },
    { zone: 'Australia/Lord_Howe', at: '2026-12-01T12:00:00Z', offsetHours: 11 },
    { zone: 'Australia/Lord_Howe', at: '2026-07-01T12:00:00Z', offsetHours: 10.5 },
  ])('$zone at $at is UTC+$offsetHours', ({ zone, at, offsetHours }) => {
    expect(zoneOffsetMs(Date.parse(at), zone)).toBe(offsetHours * HOUR_MS);
  });

  it.each([
    { from: '2026-12-31T20:00', days: 1, to: '2027-01-01T20:00' },
    { from: '2028-02-28T08:15', days: 1, to: '2028-02-29T08:15' },
    { from: '2026-03-01T00:00', days: -1, to: '2026-02-28T00:00' },
    { from: '2026-11-11T20:00', days: 30, to: '2026-12-11T20:00' },
  ])('$from + $days d = $to', ({ from, days, to }) => {
    expect(addLocalDays(local(from), days)).toEqual(local(to));
  });
});

describe('time-zone properties', () => {
  const zone = fc.constantFrom(...TEST_ZONES);
  // 2000-01-01 … 2040-01-01, whole seconds.
  const instant = fc.integer({ min: 946_684_800, max: 2_208_988_800 }).map((seconds) => seconds * 1000);

  it('an instant\'s local time maps back to it (earlier or later instant of an ambiguous hour)', () => {
    fc.assert(fc.property(zone, instant, (timeZone, ms) => {
      const wall = epochMsToLocal(ms, timeZone);
      const earlier = localToEpochMs(wall, timeZone, 'earlier');
      const later = localToEpochMs(wall, timeZone, 'later');
      expect([earlier, later]).toContain(ms);
      expect(epochMsToLocal(localToEpochMs(wall, timeZone), timeZone)).toEqual(wall);
    }), { numRuns: 400 });
  });

  it('any valid local time resolves to that wall time, or to at most one DST gap later', () => {
    const localTime = fc.record({
      year: fc.integer({ min: 2000, max: 2039 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 28 }),
      hour: fc.integer({ min: 0, max: 23 }), minute: fc.integer({ min: 0, max: 59 }), second: fc.integer({ min: 0, max: 59 }),
    });
    fc.assert(fc.property(zone, localTime, (timeZone, wall) => {
      const resolved = epochMsToLocal(localToEpochMs(wall, timeZone), timeZone);
      const shiftMs = Date.UTC(resolved.year, resolved.month - 1, resolved.day, resolved.hour, resolved.minute, resolved.second)
        - Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
      expect(shiftMs).toBeGreaterThanOrEqual(0);
      expect(shiftMs).toBeLessThanOrEqual(HOUR_MS);
    }), { numRuns: 400 });
  });

  it('local time never runs backwards between instants a second apart, except by a DST fall-back', () => {
    fc.assert(fc.property(zone, instant, (timeZone, ms) => {
      const offsetChangeMs = zoneOffsetMs(ms + 1000, timeZone) - zoneOffsetMs(ms, timeZone);
      const before = epochMsToLocal(ms, timeZone);
      const after = epochMsToLocal(ms + 1000, timeZone);
      const wallStepMs = Date.UTC(after.year, after.month - 1, after.day, after.hour, after.minute, after.second)
        - Date.UTC(before.year, before.month - 1, before.day, before.hour, before.minute, before.second);
      expect(wallStepMs).toBe(1000 + offsetChangeMs);
    }), { numRuns: 300 });
  });
});
