/**
 * Error classes shared by every layer. The CLI maps them to exit codes:
 * `InputError` → 2 (the user can fix it), anything else → 1 (runtime failure).
 */

/** Where in the user's input a problem sits. Every part is optional; give all you know. */
export interface InputLocation {
  /** File path, or a pseudo-source such as `--horizon` or `prometheus:query_range`. */
  source?: string;
  /** 1-based line number in `source`. */
  line?: number;
  /** Path of the field inside a structured document, e.g. `workloads[2].startup.p95`. */
  field?: string;
}

/** Bad input: config, calendar, trace, scenario, plan file, CLI flag or an API answer. Exit code 2. */
export class InputError extends Error {
  override readonly name: string = 'InputError';
  readonly location: InputLocation;
  /** More problems found in the same input, so the user can fix them all at once. */
  readonly details: readonly string[];
  /** The message without its location, for a caller that places it itself (a file embedding the input). */
  readonly bareMessage: string;

  constructor(message: string, location: InputLocation = {}, details: readonly string[] = []) {
    super(formatLocated(message, location));
    this.location = location;
    this.details = details;
    this.bareMessage = message;
  }
}

/**
 * No forecast can be made at all from the input given (too few observed buckets, nothing observed
 * in the day before now): the forecaster never returns blank bands instead. It is the input's
 * fault, so it is an InputError (exit 2); the controller keeps the last good forecast and alerts.
 */
export class ForecastUnavailableError extends InputError {
  override readonly name: string = 'ForecastUnavailableError';
  /** Machine reason, e.g. `history-too-short`, `no-recent-observation`. */
  readonly reason: 'history-too-short' | 'no-recent-observation';

  constructor(reason: ForecastUnavailableError['reason'], message: string, location: InputLocation = {}) {
    super(message, location);
    this.reason = reason;
  }
}

/** A dependency (Kubernetes API, Redis, Prometheus) failed at run time. Exit code 1. */
export class RuntimeFailure extends Error {
  override readonly name = 'RuntimeFailure';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export function formatLocated(message: string, location: InputLocation): string {
  const where = [
    location.source,
    location.line !== undefined ? `line ${location.line}` : undefined,
    location.field !== undefined ? `field ${location.field}` : undefined,
  ].filter((part): part is string => part !== undefined);
  return where.length > 0 ? `${where.join(', ')}: ${message}` : message;
}
