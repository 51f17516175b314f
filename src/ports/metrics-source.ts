import type { RegularSeries } from '../domain/series.ts';

/**
 * History and live rates (Prometheus in production, CSV traces in the embedded default).
 *
 * Contract: `range` returns a series aligned to `stepMs` covering [startMs, endMs); buckets with
 * no sample are NaN (never 0). Throws `InputError` for a query the source rejects and
 * `RuntimeFailure` when the source is unreachable. Read-only, so retrying is always safe.
 */
export interface MetricsSource {
  range(query: string, options: { startMs: number; endMs: number; stepMs: number }): Promise<RegularSeries>;
  /** Latest value of the query at `atMs` (or now), NaN when absent or stale. */
  instant(query: string, atMs?: number): Promise<number>;
}
