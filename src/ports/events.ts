/**
 * Kubernetes Events as a port: what chuanliu did, recorded on the object it concerns, so
 * `kubectl describe <obj>` and `kubectl get events` tell the night's story.
 *
 * Contract:
 * - `record` returns at once and never throws: an Event is a report, and a report that cannot be
 *   written must never fail or delay a reconcile tick. Delivery is best effort; an Event dropped
 *   (rate limit, queue full, API refusal) is logged and counted by the implementation.
 * - Repeats are folded like the kubelet's recorder: the same (object, type, reason, action, note)
 *   within a window raises the existing Event's count and last-seen time instead of adding one.
 * - Idempotency: none needed; recording twice is one Event seen twice (count 2).
 */

export type EventType = 'Normal' | 'Warning';

/** The object an Event is about (`involvedObject` in core/v1). */
export interface EventObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  /** Absent for cluster-scoped objects (their Events go to `default`, as the API server requires). */
  readonly namespace?: string;
  readonly name: string;
  /** Known when the caller has it; adapters may look it up (kubectl describe selects Events by uid). */
  readonly uid?: string;
}

/** Reasons chuanliu records (UpperCamelCase, as Kubernetes writes them). README lists them. */
export const EVENT_REASONS = [
  'ScaledForPeak', 'ReleasedForPeak', 'ScaledBack', 'ReturnedAfterPeak', 'GuardEngaged', 'GuardReleased',
  'HeldStaleData', 'RefusedTick', 'WriteFailed', 'ConfigReloadFailed', 'PeakEventRefused', 'Paused', 'Resumed',
  'PausedWorkload', 'OverrideApplied', 'OverrideExpired', 'OverrideInvalid',
] as const;

export type EventReason = (typeof EVENT_REASONS)[number];

export interface ObjectEvent {
  readonly regarding: EventObjectRef;
  /** Another object involved (e.g. the HPA whose floor was written for a Deployment). */
  readonly related?: EventObjectRef;
  readonly type: EventType;
  readonly reason: EventReason;
  /** What chuanliu did or failed to do, machine-readable (`Scale`, `SetHPAFloor`, `Hold`, `Refuse`…). */
  readonly action: string;
  /** Human-readable; cut to 1 KiB by the recorder (the API's limit for a note). */
  readonly note: string;
}

export interface EventRecorder {
  record(event: ObjectEvent): void;
}

/** Records nothing (dry-run, `reconcile --once` without a cluster to tell). */
export const discardEvents: EventRecorder = { record: () => undefined };

/** One Event as the recorder writes it: the API object's fields in chuanliu's terms. */
export interface EventRecord {
  /** Object name, `<regarding name>.<hex>` as client-go makes it. */
  readonly name: string;
  /** The regarding object's namespace; `default` for cluster-scoped ones. */
  readonly namespace: string;
  readonly event: ObjectEvent;
  readonly count: number;
  readonly firstSeenMs: number;
  readonly lastSeenMs: number;
}

/**
 * Where Event records are written (the Kubernetes API, or memory). `create` makes a new Event;
 * `updateSeries` sets count and last-seen time of one made earlier, and answers `missing` when it
 * is gone (the caller then creates it again). Both throw on any other failure.
 */
export interface EventSink {
  create(record: EventRecord): Promise<void>;
  updateSeries(record: EventRecord): Promise<'updated' | 'missing'>;
}
