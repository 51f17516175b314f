import { describe, expect, it } from 'vitest';
import { CorrelatingEventRecorder } from '../../../src/adapters/events/correlating-recorder.ts';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { MemoryEventSink } from '../../../src/adapters/memory/memory-events.ts';
import { EventCorrelator, NOTE_LIMIT_BYTES } from '../../../src/controller/event-correlator.ts';
import type { EventRecord, EventSink, ObjectEvent } from '../../../src/ports/events.ts';

const T0 = Date.UTC(2026, 10, 11, 12, 0, 0);
const payment = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'payments', name: 'payment' };
const scaled: ObjectEvent = { regarding: payment, type: 'Normal', reason: 'ScaledForPeak', action: 'Scale', note: 'replicas 4→12' };

describe('EventCorrelator (de-duplication and spam filter, like client-go\'s)', () => {
  it('folds a repeat within the window into the same Event: count and last seen move, the name stays', () => {
    const correlator = new EventCorrelator({ windowMs: 600_000 });
    const first = correlator.observe(scaled, T0);
    const second = correlator.observe(scaled, T0 + 30_000);
    expect(first.kind).toBe('create');
    expect(second.kind).toBe('update');
    if (first.kind !== 'create' || second.kind !== 'update') return;
    expect(second.record).toMatchObject({ name: first.record.name, count: 2, firstSeenMs: T0, lastSeenMs: T0 + 30_000 });
    expect(first.record.name).toMatch(/^payment\.[0-9a-f]+$/);
    expect(first.record.namespace).toBe('payments');
  });

  it.each([
    ['another note', { note: 'replicas 12→20' }],
    ['another reason', { reason: 'ScaledBack' as const }],
    ['another type', { type: 'Warning' as const }],
    ['another object', { regarding: { ...payment, name: 'refund' } }],
  ])('%s is a separate Event', (_name, change) => {
    const correlator = new EventCorrelator();
    const first = correlator.observe(scaled, T0);
    const other = correlator.observe({ ...scaled, ...change }, T0 + 1);
    expect(other.kind).toBe('create');
    if (first.kind === 'create' && other.kind === 'create') expect(other.record.name).not.toBe(first.record.name);
  });

  it('after a quiet window the next sighting is a new Event', () => {
    const correlator = new EventCorrelator({ windowMs: 600_000 });
    correlator.observe(scaled, T0);
    expect(correlator.observe(scaled, T0 + 600_000).kind).toBe('update');
    expect(correlator.observe(scaled, T0 + 1_200_001).kind).toBe('create');
  });

  it('an Event repeated every second is written `burst` times, then once per refill; the count is never lost', () => {
    const correlator = new EventCorrelator({ burst: 3, refillEveryMs: 300_000 });
    const kinds: string[] = [];
    for (let second = 0; second < 6; second += 1) kinds.push(correlator.observe(scaled, T0 + second * 1_000).kind);
    expect(kinds).toEqual(['create', 'update', 'update', 'deferred', 'deferred', 'deferred']);
    // Another Event on the same object has its own bucket (client-go's spam key includes reason and note).
    expect(correlator.observe({ ...scaled, reason: 'OverrideExpired', note: 'expired' }, T0 + 7_000).kind).toBe('create');
    // One refill later, the next repeat writes the count accumulated meanwhile.
    const refilled = correlator.observe(scaled, T0 + 305_000);
    expect(refilled).toMatchObject({ kind: 'update', record: { count: 7 } });
  });

  it('a flapping tick whose notes keep changing gets `createBurst` new Events per object, then one per refill', () => {
    const correlator = new EventCorrelator({ createBurst: 4, createRefillEveryMs: 30_000 });
    const kinds = Array.from({ length: 6 }, (_, index) => correlator.observe({ ...scaled, note: `replicas ${index}→${index + 1}` }, T0 + index).kind);
    expect(kinds).toEqual(['create', 'create', 'create', 'create', 'dropped', 'dropped']);
    expect(correlator.observe({ ...scaled, regarding: { ...payment, name: 'refund' } }, T0 + 10).kind).toBe('create');
    expect(correlator.observe({ ...scaled, note: 'replicas 9→10' }, T0 + 30_000).kind).toBe('create');
  });

  it('cuts a note to the API\'s 1 KiB, counting bytes not characters', () => {
    const correlator = new EventCorrelator();
    const result = correlator.observe({ ...scaled, note: '流'.repeat(2_000) }, T0);
    expect(result.kind).toBe('create');
    if (result.kind !== 'create') return;
    expect(new TextEncoder().encode(result.record.event.note).length).toBeLessThanOrEqual(NOTE_LIMIT_BYTES);
    expect(result.record.event.note.endsWith('…')).toBe(true);
  });

  it('cluster-scoped objects\' Events go to the default namespace', () => {
    const result = new EventCorrelator().observe({ ...scaled, regarding: { apiVersion: 'v1', kind: 'Node', name: 'n1' } }, T0);
    expect(result.kind === 'create' && result.record.namespace).toBe('default');
  });
});

/** A sink that refuses every write, as an API server that is away would. */
class RefusingSink implements EventSink {
  create(): Promise<void> {
    return Promise.reject(new Error('HTTP 503: the server is currently unable to handle the request'));
  }
  updateSeries(): Promise<'updated' | 'missing'> {
    return Promise.reject(new Error('HTTP 503'));
  }
}

describe('CorrelatingEventRecorder', () => {
  it('writes a new Event, then its count; a repeat waiting its turn is replaced by the newer count', async () => {
    const clock = new ManualClock(T0);
    const sink = new MemoryEventSink();
    const recorder = new CorrelatingEventRecorder({ sink, clock, concurrency: 1 });
    recorder.record(scaled);
    await clock.advanceTo(T0 + 1_000);
    recorder.record(scaled);
    await clock.advanceTo(T0 + 2_000);
    recorder.record(scaled);
    await recorder.idle();
    expect(sink.list()).toHaveLength(1);
    expect(sink.list()[0]).toMatchObject({ count: 3, firstSeenMs: T0, lastSeenMs: T0 + 2_000 });
  });

  it('a count update for an Event that is gone creates it again with the count so far', async () => {
    const clock = new ManualClock(T0);
    const writes: string[] = [];
    const sink: EventSink = {
      create: (record: EventRecord) => { writes.push(`create ${record.count}`); return Promise.resolve(); },
      updateSeries: (record: EventRecord) => { writes.push(`update ${record.count}`); return Promise.resolve('missing'); },
    };
    const recorder = new CorrelatingEventRecorder({ sink, clock });
    recorder.record(scaled);
    await recorder.idle();
    recorder.record(scaled);
    await recorder.idle();
    expect(writes).toEqual(['create 1', 'update 2', 'create 2']);
  });

  it('never throws into the caller: refused writes and a full queue are reported as drops', async () => {
    const clock = new ManualClock(T0);
    const drops: string[] = [];
    const recorder = new CorrelatingEventRecorder({ sink: new RefusingSink(), clock, maxPending: 2, concurrency: 1, onDropped: (reason) => drops.push(reason) });
    for (let index = 0; index < 5; index += 1) expect(() => recorder.record({ ...scaled, regarding: { ...payment, name: `w${index}` } })).not.toThrow();
    await recorder.idle();
    // One in flight at once, two waiting: the other two found the queue full; the three tried failed.
    expect(drops.filter((reason) => reason === 'queue-full')).toHaveLength(2);
    expect(drops.filter((reason) => reason === 'write-failed')).toHaveLength(3);
  });
});
