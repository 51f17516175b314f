/**
 * Folds repeated Events and bounds their rate, like client-go's EventCorrelator (what the
 * kubelet's recorder runs every Event through), with the time as an input (pure: no clock, no I/O):
 *
 * - De-duplication: the same (object, type, reason, action, note) seen again within `windowMs` of
 *   its last sighting updates that Event (count + 1, last seen now) instead of creating another;
 *   after a quiet window the next sighting is a new Event.
 * - Spam filter: a token bucket per Event (object, type, reason, note — client-go's spam key, with
 *   its defaults: burst 25, one token per 5 min). Every write takes a token; a repeat without one is
 *   only counted, and its count is written with the next repeat that gets a token. A tick repeating
 *   an Event every second therefore writes it at most `burst` times, then once per refill period.
 * - A second bucket per object bounds how many *new* Events it gets (burst 50, one per 30 s): a
 *   flapping tick whose notes keep changing cannot flood etcd either; a new Event without a token
 *   is dropped (and counted by the caller).
 * - Memory is bounded: at most `maxTracked` Events are remembered (least recently seen forgotten).
 */
import type { EventRecord, ObjectEvent } from '../ports/events.ts';

export interface EventCorrelatorOptions {
  /** @defaultValue 10 min (client-go's aggregation window) */
  readonly windowMs?: number;
  /** Writes one Event may take at once. @defaultValue 25 */
  readonly burst?: number;
  /** One more write per Event per this long. @defaultValue 5 min */
  readonly refillEveryMs?: number;
  /** New Events an object may get at once. @defaultValue 50 */
  readonly createBurst?: number;
  /** One more new Event per object per this long. @defaultValue 30 s */
  readonly createRefillEveryMs?: number;
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
  private readonly createBurst: number;
  private readonly createRefillEveryMs: number;
  private readonly maxTracked: number;
  /** Insertion order = least recently seen first (entries are re-inserted when seen). */
  private readonly tracked = new Map<string, EventRecord>();
  private readonly buckets = new Map<string, Bucket>();
  private sequence = 0;

  constructor(options: EventCorrelatorOptions = {}) {
    this.windowMs = options.windowMs ?? 10 * 60_000;
    this.burst = options.burst ?? 25;
    this.refillEveryMs = options.refillEveryMs ?? 5 * 60_000;
    this.createBurst = options.createBurst ?? 50;
    this.createRefillEveryMs = options.createRefillEveryMs ?? 30_000;
    this.maxTracked = options.maxTracked ?? 4096;
  }

  /** Judges one sighting of `input` at `nowMs`. */
  observe(input: ObjectEvent, nowMs: number): Correlation {
    const event: ObjectEvent = { ...input, note: truncateNote(input.note) };
    const key = JSON.stringify([objectKey(event), event.type, event.reason, event.action, event.note]);
    const previous = this.tracked.get(key);
    const repeat = previous !== undefined && nowMs - previous.lastSeenMs <= this.windowMs;
    if (!repeat) {
      // Both buckets are asked; a new Event takes a token from each.
      const objectHasRoom = this.takeToken(`object ${objectKey(event)}`, nowMs, this.createBurst, this.createRefillEveryMs);
      if (!objectHasRoom || !this.takeToken(`event ${key}`, nowMs, this.burst, this.refillEveryMs)) return { kind: 'dropped', reason: 'rate-limited' };
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
    return this.takeToken(`event ${key}`, nowMs, this.burst, this.refillEveryMs) ? { kind: 'update', record } : { kind: 'deferred', record };
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

  private takeToken(bucketKey: string, nowMs: number, burst: number, refillEveryMs: number): boolean {
    let bucket = this.buckets.get(bucketKey);
    if (bucket === undefined) {
      bucket = { tokens: burst, refilledAtMs: nowMs };
      this.buckets.set(bucketKey, bucket);
      if (this.buckets.size > 2 * this.maxTracked) this.buckets.delete(this.buckets.keys().next().value as string);
    }
    const refills = Math.floor((nowMs - bucket.refilledAtMs) / refillEveryMs);
    if (refills > 0) {
      bucket.tokens = Math.min(burst, bucket.tokens + refills);
      bucket.refilledAtMs += refills * refillEveryMs;
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
