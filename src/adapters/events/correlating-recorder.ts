/**
 * The EventRecorder every runtime uses: each Event goes through the correlator (de-duplication,
 * spam filter) and then, off the caller's path, to a sink (the Kubernetes API or memory).
 *
 * `record` only enqueues: a tick never waits for the API. The queue is bounded (`maxPending`) and
 * an update still waiting for its turn is replaced by a newer count of the same Event instead of
 * queueing twice. Whatever cannot be written (rate limit, full queue, the API refusing or away) is
 * logged and counted through `onDropped` (chuanliu_events_dropped_total), never thrown.
 */
import { EventCorrelator, type EventCorrelatorOptions } from '../../controller/event-correlator.ts';
import type { Clock } from '../../ports/clock.ts';
import type { EventRecord, EventRecorder, EventSink, ObjectEvent } from '../../ports/events.ts';

export type DropReason = 'rate-limited' | 'queue-full' | 'write-failed';

export interface CorrelatingRecorderOptions {
  readonly sink: EventSink;
  readonly clock: Clock;
  readonly correlator?: EventCorrelatorOptions;
  /** Writes waiting at most. @defaultValue 1000 */
  readonly maxPending?: number;
  /** Writes in flight at once. @defaultValue 4 */
  readonly concurrency?: number;
  readonly onDropped?: (reason: DropReason, event: ObjectEvent, error?: string) => void;
}

interface PendingWrite {
  kind: 'create' | 'update';
  record: EventRecord;
}

export class CorrelatingEventRecorder implements EventRecorder {
  private readonly correlator: EventCorrelator;
  private readonly queue: PendingWrite[] = [];
  /** Updates waiting in `queue`, by Event name, so a newer count replaces the waiting one. */
  private readonly waitingUpdates = new Map<string, PendingWrite>();
  /** Event names whose create is queued or in flight: an update waits behind it. */
  private readonly creating = new Set<string>();
  private inFlight = 0;
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly options: CorrelatingRecorderOptions) {
    this.correlator = new EventCorrelator(options.correlator);
  }

  record(event: ObjectEvent): void {
    try {
      const correlation = this.correlator.observe(event, this.options.clock.nowMs());
      if (correlation.kind === 'dropped') {
        this.options.onDropped?.('rate-limited', event);
        return;
      }
      if (correlation.kind === 'deferred') return;
      const { record } = correlation;
      if (correlation.kind === 'update') {
        const waiting = this.waitingUpdates.get(record.name);
        if (waiting !== undefined) {
          waiting.record = record;
          return;
        }
      }
      if (this.queue.length >= (this.options.maxPending ?? 1000)) {
        if (correlation.kind === 'create') this.correlator.forget(record);
        this.options.onDropped?.('queue-full', event);
        return;
      }
      const write: PendingWrite = { kind: correlation.kind, record };
      this.queue.push(write);
      if (write.kind === 'update') this.waitingUpdates.set(record.name, write);
      else this.creating.add(record.name);
      this.pump();
    } catch (error) {
      // Never into the tick: a bug here must not fail a reconcile.
      this.options.onDropped?.('write-failed', event, error instanceof Error ? error.message : String(error));
    }
  }

  /** Resolves once every queued write has been made or dropped (tests, shutdown). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private pump(): void {
    const concurrency = this.options.concurrency ?? 4;
    while (this.inFlight < concurrency) {
      // An update waits while its Event's create is in flight (a PATCH before the POST would 404).
      const index = this.queue.findIndex((write) => write.kind === 'create' || !this.creating.has(write.record.name));
      if (index < 0) break;
      const [write] = this.queue.splice(index, 1) as [PendingWrite];
      if (write.kind === 'update') this.waitingUpdates.delete(write.record.name);
      this.inFlight += 1;
      void this.perform(write).finally(() => {
        this.inFlight -= 1;
        if (write.kind === 'create') this.creating.delete(write.record.name);
        this.pump();
        if (this.queue.length === 0 && this.inFlight === 0) {
          const waiters = this.idleWaiters;
          this.idleWaiters = [];
          for (const resolve of waiters) resolve();
        }
      });
    }
  }

  private async perform(write: PendingWrite): Promise<void> {
    const { sink } = this.options;
    try {
      if (write.kind === 'create') {
        await sink.create(write.record);
        return;
      }
      // Gone (deleted, or its TTL in etcd ran out): recreate it with the count so far.
      if (await sink.updateSeries(write.record) === 'missing') await sink.create(write.record);
    } catch (error) {
      if (write.kind === 'create') this.correlator.forget(write.record);
      this.options.onDropped?.('write-failed', write.record.event, error instanceof Error ? error.message : String(error));
    }
  }
}
