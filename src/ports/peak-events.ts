/**
 * Where PeakEvents are read and their status written: the Kubernetes API (adapters/kubernetes/
 * peak-events.ts, which also serves the in-memory kube-api) or a list in memory.
 */
import type { PeakEventObject, PeakEventStatus } from '../calendar/peak-event.ts';

export interface PeakEventStore {
  /** Every PeakEvent the controller may act on (in its namespaces). */
  list(): Promise<PeakEventObject[]>;
  /** Replaces the status of one PeakEvent (the status subresource). */
  writeStatus?(namespace: string, name: string, status: PeakEventStatus): Promise<void>;
}
