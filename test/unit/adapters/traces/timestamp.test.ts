import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTimestamp } from '../../../../src/adapters/traces/timestamp.ts';
import { ZoneOffsets } from '../../../../src/adapters/traces/zone-offsets.ts';

describe('parseTimestamp', () => {
  it.each([
    { name: 'NAB / NASA naive seconds', text: '2014-07-01 00:30:00', ms: Date.UTC(2014, 6, 1, 0, 30), naive: true },
    { name: 'Azure 7-digit fraction', text: '2023-11-16 18:17:03.9799600', ms: Date.UTC(2023, 10, 16, 18, 17, 3) + 979.96, naive: true },
    { name: 'minutes only', text: '2020-02-29 23:59', ms: Date.UTC(2020, 1, 29, 23, 59), naive: true },
    { name: 'date only', text: '2020-01-02', ms: Date.UTC(2020, 0, 2), naive: true },
    { name: 'ISO with T and Z', text: '2020-01-02T03:04:05Z', ms: Date.UTC(2020, 0, 2, 3, 4, 5), naive: false },
    { name: 'offset with colon', text: '2020-01-02T08:04:05+05:00', ms: Date.UTC(2020, 0, 2, 3, 4, 5), naive: false },
    { name: 'offset without colon', text: '2020-01-01T22:04:05-0500', ms: Date.UTC(2020, 0, 2, 3, 4, 5), naive: false },
    { name: 'hour only (EIA hourly period)', text: '2020-01-02T03', ms: Date.UTC(2020, 0, 2, 3), naive: true },
    { name: 'hour only with a whole-hour offset (EIA local-hourly)', text: '2020-01-02T03-05', ms: Date.UTC(2020, 0, 2, 8), naive: false },
    { name: 'whole-hour offset after seconds', text: '2020-01-02T03:04:05+01', ms: Date.UTC(2020, 0, 2, 2, 4, 5), naive: false },
    { name: 'epoch seconds', text: '1577836800', ms: Date.UTC(2020, 0, 1), naive: false },
    { name: 'epoch milliseconds', text: '1577836800123', ms: Date.UTC(2020, 0, 1) + 123, naive: false },
  ])('accepts $name', ({ text, ms, naive }) => {
    const parsed = parseTimestamp(text);
    expect(parsed?.naive).toBe(naive);
    expect(parsed?.ms).toBeCloseTo(ms, 6);
  });

  it.each([
    ['empty', ''], ['month 13', '2020-13-01 00:00:00'], ['29 February in a common year', '2019-02-29 00:00:00'],
    ['hour 24', '2020-01-01 24:00:00'], ['minute 60', '2020-01-01 00:60:00'], ['second 60', '2020-01-01 00:00:60'],
    ['slashes', '2020/01/01 00:00:00'], ['trailing text', '2020-01-01 00:00:00 UTC'], ['dangling dot', '2020-01-01 00:00:00.'],
    ['bad offset', '2020-01-01T00:00:00+25:00'], ['word', 'yesterday'], ['negative epoch', '-5'],
    ['hour 24 without minutes', '2020-01-01T24'], ['one hour digit', '2020-01-01T5'], ['dangling colon', '2020-01-01T05:'],
    ['one-digit offset', '2020-01-01T05+1'],
  ])('rejects %s', (_name, text) => {
    expect(parseTimestamp(text)).toBeUndefined();
  });

  it('round-trips every naive second-resolution time it is given', () => {
    fc.assert(fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1) }), (ms) => {
      const whole = Math.floor(ms / 1000) * 1000;
      const text = new Date(whole).toISOString().slice(0, 19).replace('T', ' ');
      expect(parseTimestamp(text)).toEqual({ ms: whole, naive: true });
    }));
  });
});

describe('ZoneOffsets', () => {
  const wall = (text: string): number => Date.parse(`${text}Z`);

  it.each([
    { name: 'ordinary summer time', zone: 'America/New_York', wall: '2014-07-01T12:00:00', instants: ['2014-07-01T16:00:00.000Z'] },
    { name: 'fall-back overlap has two instants', zone: 'America/New_York', wall: '2014-11-02T01:30:00', instants: ['2014-11-02T05:30:00.000Z', '2014-11-02T06:30:00.000Z'] },
    { name: 'spring-forward gap has none', zone: 'America/New_York', wall: '2015-03-08T02:30:00', instants: [] },
    { name: 'a zone without DST', zone: 'Asia/Shanghai', wall: '2020-11-11T20:00:00', instants: ['2020-11-11T12:00:00.000Z'] },
    { name: 'UTC', zone: 'UTC', wall: '2020-11-11T20:00:00', instants: ['2020-11-11T20:00:00.000Z'] },
    { name: 'half-hour DST overlap (Lord Howe)', zone: 'Australia/Lord_Howe', wall: '2015-04-05T01:45:00', instants: ['2015-04-04T14:45:00.000Z', '2015-04-04T15:15:00.000Z'] },
  ])('$name', ({ zone, wall: wallText, instants }) => {
    expect(new ZoneOffsets(zone).instantsOf(wall(wallText)).map((ms) => new Date(ms).toISOString())).toEqual(instants);
  });

  it('agrees with Intl for every instant: the wall time of an instant maps back to it', () => {
    const zone = new ZoneOffsets('Europe/Berlin');
    const format = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
    fc.assert(fc.property(fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2030, 0, 1) }), (ms) => {
      const instant = Math.floor(ms / 60_000) * 60_000;
      const wallMs = Date.parse(`${format.format(instant).replace(' ', 'T')}Z`);
      expect(zone.instantsOf(wallMs)).toContain(instant);
    }));
  });

  it('refuses an unknown zone', () => {
    expect(() => new ZoneOffsets('Mars/Olympus')).toThrow(RangeError);
  });
});
