/**
 * Events kept in memory (simulator, demo, unit tests): the EventSink the correlating recorder
 * writes to, and a list to read back in the order `kubectl get events --sort-by=.lastTimestamp`
 * would show.
 */
import type { EventRecord, EventSink } from '../../ports/events.ts';

export class MemoryEventSink implements EventSink {
  private readonly byName = new Map<string, EventRecord>();

  create(record: EventRecord): Promise<void> {
    this.byName.set(`${record.namespace}/${record.name}`, record);
    return Promise.resolve();
  }

  updateSeries(record: EventRecord): Promise<'updated' | 'missing'> {
    const key = `${record.namespace}/${record.name}`;
    if (!this.byName.has(key)) return Promise.resolve('missing');
    this.byName.set(key, record);
    return Promise.resolve('updated');
  }

  /** Every Event, oldest last sighting first. */
  list(): EventRecord[] {
    return [...this.byName.values()].sort((a, b) => a.lastSeenMs - b.lastSeenMs || a.name.localeCompare(b.name));
  }
}
