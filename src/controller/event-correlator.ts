/**
 * Folds repeated Events and bounds their rate, like client-go's EventCorrelator (what the
 * kubelet's recorder runs every Event through), with the time as an input (pure: no clock, no I/O):
 *
 * - De-duplication: the same (object, type, reason, action, note) seen again within `windowMs` of
 *   its last sighting updates that Event (count + 1, last seen now) instead of creating another;
 *   after a quiet window the next sighting is a new Event.
 * - Spam filter: a token bucket per object (client-go's defaults: burst 25, one token per 5 min).
 *   Every write (create or update) takes a token; a new Event without one is dropped, while a
 *   repeat without one is only counted, and its count is written with the next repeat that gets a
 *   token. A tick flapping every second therefore writes at most `burst` times per object, then one
 *   write per refill period, whatever the rate: etcd is never flooded.
 * - Memory is bounded: at most `maxTracked` Events are remembered (least recently seen forgotten).
 */
import type { EventRecord, ObjectEvent } from '../ports/events.ts';

export interface EventCorrelatorOptions {
  /** @defaultValue 10 min (client-go's aggregation window) */
  readonly windowMs?: number;
  /** Writes an object may take at once. @defaultValue 25 */
  readonly burst?: number;
  /** One more write per object per this long. @defaultValue 5 min */
  readonly refillEveryMs?: number;
  /** @defaultValue 4096 */
  readonly maxTracked?: number;
}

export type Correlation =
  | { readonly kind: 'create'; readonly record: EventRecord }
  | { readonly kind: 'update'; readonly record: EventRecord }
  /** Counted in memory only; a later repeat writes the count. */
  | { readonly kind: 'deferred'; readonly record: EventRecord }
  | { readonly kind: 'dropped'; readonly reason: 'rate-limited' };

/** The API server refuses a note over 1 KiB. */
export const NOTE_LIMIT_BYTES = 1024;

const encoder = new TextEncoder();

function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

export function truncateNote(note: string): string {
  if (utf8Bytes(note) <= NOTE_LIMIT_BYTES) return note;
  let cut = note.slice(0, NOTE_LIMIT_BYTES - 3);
  while (utf8Bytes(`${cut}…`) > NOTE_LIMIT_BYTES) cut = cut.slice(0, -1);
  return `${cut}…`;
}

interface Bucket {
  tokens: number;
  refilledAtMs: number;
}

export function objectKey(event: ObjectEvent): string {
  const ref = event.regarding;
  return `${ref.apiVersion}/${ref.kind}/${ref.namespace ?? ''}/${ref.name}`;
}

export class EventCorrelator {
  private readonly windowMs: number;
  private readonly burst: number;
  private readonly refillEveryMs: number;
  private readonly maxTracked: number;
  /** Insertion order = least recently seen first (entries are re-inserted when seen). */
  private readonly tracked = new Map<string, EventRecord>();
  private readonly buckets = new Map<string, Bucket>();
  private sequence = 0;

  constructor(options: EventCorrelatorOptions = {}) {
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.burst = options.burst ?? 25;
    this.refillEveryMs = options.refillEveryMs ?? 5 * 60_000;
    this.maxTracked = options.maxTracked ?? 4096;
  }

  /** Judges one sighting of `input` at `nowMs`. */
  observe(input: ObjectEvent, nowMs: number): Correlation {
    const event: ObjectEvent = { ...input, note: truncateNote(input.note) };
    const key = JSON.stringify([objectKey(event), event.type, event.reason, event.action, event.note]);
    const previous = this.tracked.get(key);
    const repeat = previous !== undefined && nowMs - previous.lastSeenMs <= this.windowMs;
    const hasToken = this.takeToken(objectKey(event), nowMs);
    if (!repeat) {
      if (!hasToken) return { kind: 'dropped', reason: 'rate-limited' };
      const record: EventRecord = {
        name: `${event.regarding.name}.${this.uniqueSuffix(nowMs)}`,
        namespace: event.regarding.namespace ?? 'default',
        event, count: 1, firstSeenMs: nowMs, lastSeenMs: nowMs,
      };
      this.remember(key, record);
      return { kind: 'create', record };
    }
    const record: EventRecord = { ...previous, count: previous.count + 1, lastSeenMs: nowMs };
    this.remember(key, record);
    return hasToken ? { kind: 'update', record } : { kind: 'deferred', record };
  }

  /** Forgets an Event whose creation failed, so the next sighting creates it afresh. */
  forget(record: EventRecord): void {
    for (const [key, value] of this.tracked) {
      if (value.name === record.name) {
        this.tracked.delete(key);
        return;
      }
    }
  }

  private remember(key: string, record: EventRecord): void {
    this.tracked.delete(key);
    this.tracked.set(key, record);
    while (this.tracked.size > this.maxTracked) {
      const oldest = this.tracked.keys().next().value as string;
      this.tracked.delete(oldest);
    }
  }

  private takeToken(object: string, nowMs: number): boolean {
    let bucket = this.buckets.get(object);
    if (bucket === undefined) {
      bucket = { tokens: this.burst, refilledAtMs: nowMs };
      this.buckets.set(object, bucket);
      if (this.buckets.size > this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    const refills = Math.floor((nowMs - bucket.refilledAtMs) / this.refillEveryMs);
    if (refills > 0) {
      bucket.tokens = Math.min(this.burst, bucket.tokens + refills);
      bucket.refilledAtMs += refills * this.refillEveryMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** client-go names Events `<object>.<unix nanos in hex>`; a sequence keeps two in one ms apart. */
  private uniqueSuffix(nowMs: number): string {
    this.sequence = (this.sequence + 1) % 1_000_000;
    return (BigInt(Math.max(0, Math.floor(nowMs))) * 1_000_000n + BigInt(this.sequence)).toString(16);
  }
}
