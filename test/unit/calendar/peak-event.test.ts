import { describe, expect, it } from 'vitest';
import { mergePeakEvents, parsePeakEvent, peakEventCalendarEvents, type PeakEventObject } from '../../../src/calendar/peak-event.ts';
import { InputError } from '../../../src/domain/errors.ts';

const ONLINE = ['payment', 'checkout'];

function object(spec: Record<string, unknown>, name = 'livestream-2005'): PeakEventObject {
  return { apiVersion: 'chuanliu.io/v1alpha1', kind: 'PeakEvent', metadata: { name, namespace: 'shop' }, spec };
}

describe('parsePeakEvent', () => {
  it('reads a local start in the event\'s own zone and an uplift', () => {
    const event = parsePeakEvent(object({ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'Asia/Shanghai', duration: '1h', uplift: 1.8, workloads: ['payment'] }), { workloads: ONLINE });
    expect(event.startMs).toBe(Date.parse('2026-11-11T12:05:00Z'));
    expect(event).toMatchObject({ id: 'peakevent/shop/livestream-2005', durationMs: 3_600_000, rampMs: 300_000, uplift: 1.8, workloads: ['payment'], cancelled: false });
    expect(peakEventCalendarEvents(event)).toEqual([expect.objectContaining({ kind: 'promotion', platform: 'promotion', uplift: { kind: 'expected', factor: 1.8 } })]);
  });

  it('turns expected rates into one livestream pulse per workload', () => {
    const event = parsePeakEvent(object({ kind: 'livestream', start: '2026-11-11T20:05:00+08:00', timeZone: 'Asia/Shanghai', duration: '40m', ramp: '90s', expectedRps: { payment: 4000, checkout: 2500 } }), { workloads: ONLINE });
    expect(peakEventCalendarEvents(event).map((item) => [item.id, item.kind, 'expectedPeakRps' in item ? item.expectedPeakRps : undefined])).toEqual([
      ['peakevent/shop/livestream-2005/payment', 'livestream', 4000],
      ['peakevent/shop/livestream-2005/checkout', 'livestream', 2500],
    ]);
  });

  it.each([
    [{ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'Mars/Olympus', duration: '1h', uplift: 2 }, /spec\.timeZone: expected an IANA time zone that exists/],
    [{ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '1h', uplift: 0.5 }, /spec\.uplift/],
    [{ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '1h' }, /exactly one of uplift .* or expectedRps/],
    [{ kind: 'blackout', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '1h', uplift: 2 }, /spec\.kind/],
    [{ kind: 'promotion', start: 'tonight', timeZone: 'UTC', duration: '1h', uplift: 2 }, /spec\.start: expected ISO 8601/],
    [{ kind: 'promotion', start: '2026-03-08T02:30', timeZone: 'America/New_York', duration: '1h', uplift: 2 }, /does not exist in America\/New_York/],
    [{ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '10m', ramp: '20m', uplift: 2 }, /spec\.ramp: expected a ramp no longer than the duration/],
    [{ kind: 'promotion', start: '2026-11-11T20:05', timeZone: 'UTC', duration: '1h', uplift: 2, workloads: ['refunds'] }, /"refunds" is not an online workload of the config; online workloads: payment, checkout/],
  ])('refuses %j naming the field', (spec, message) => {
    expect(() => parsePeakEvent(object(spec), { workloads: ONLINE })).toThrow(InputError);
    expect(() => parsePeakEvent(object(spec), { workloads: ONLINE })).toThrow(message);
  });

  it('a cancelled event shapes nothing', () => {
    const event = parsePeakEvent(object({ kind: 'promotion', start: '2026-11-11T20:05Z', timeZone: 'UTC', duration: '1h', uplift: 2, cancelled: true }));
    expect(peakEventCalendarEvents(event)).toEqual([]);
    expect(mergePeakEvents(undefined, [event], ONLINE).calendar).toBeUndefined();
  });
});
