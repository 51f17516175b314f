/**
 * PeakEvents held in memory: the PeakEventStore of tests and of simulations without an API server.
 * Implements the same port as the Kubernetes adapter (adapters/kubernetes/peak-events.ts).
 */
import type { PeakEventObject, PeakEventStatus } from '../../calendar/peak-event.ts';
import type { PeakEventStore } from '../../ports/peak-events.ts';

export class MemoryPeakEvents implements PeakEventStore {
  private readonly objects = new Map<string, PeakEventObject>();
  private version = 0;
  /** Set to make `list` fail as an unreachable API would. */
  failure: Error | undefined;

  put(object: PeakEventObject): void {
    const key = `${object.metadata.namespace ?? 'default'}/${object.metadata.name ?? ''}`;
    this.version += 1;
    this.objects.set(key, structuredClone({ ...object, metadata: { ...object.metadata, resourceVersion: String(this.version) } }));
  }

  delete(namespace: string, name: string): boolean {
    return this.objects.delete(`${namespace}/${name}`);
  }

  get(namespace: string, name: string): PeakEventObject | undefined {
    const object = this.objects.get(`${namespace}/${name}`);
    return object === undefined ? undefined : structuredClone(object);
  }

  list(): Promise<PeakEventObject[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return Promise.resolve([...this.objects.values()].map((object) => structuredClone(object)));
  }

  writeStatus(namespace: string, name: string, status: PeakEventStatus): Promise<void> {
    const object = this.objects.get(`${namespace}/${name}`);
    if (object !== undefined) object.status = structuredClone(status);
    return Promise.resolve();
  }
}
