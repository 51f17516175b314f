/**
 * Keeps the freshness of every online workload's Prometheus demand up to date for the running
 * controller: `refresh` probes them all (see data-freshness.ts) and reports which changed status,
 * `current` is what each tick's freshness gate reads.
 *
 * Why a monitor of its own rather than the forecast refresh: forecasts are refreshed hourly, but a
 * scale-in resting on data that went stale ten minutes ago must be caught within a check period.
 * And why results expire: a monitor whose probes stopped coming back (a hung timer, a probe stuck
 * past its timeout) must not keep vouching for data it last saw long ago — once its newest result
 * is older than `maxResultAgeMs`, every measured workload reads as `missing`. Before the first
 * probe has answered, the same: nothing is vouched for that was never measured.
 */
import type { Inventory } from '../domain/workload.ts';
import type { Clock } from '../ports/clock.ts';
import type { MetricsSource } from '../ports/metrics-source.ts';
import { probeDemandFreshness, type DataFreshness } from './data-freshness.ts';

export interface FreshnessMonitorOptions {
  readonly source: MetricsSource;
  readonly inventory: Inventory;
  readonly clock: Clock;
  /** A workload whose newest sample is older than this is stale. */
  readonly maxSampleAgeMs: number;
  /** Results older than this are no longer trusted (see the module comment). */
  readonly maxResultAgeMs: number;
  /** Probes in flight at once. @defaultValue 8 */
  readonly concurrency?: number;
}

export interface FreshnessChange {
  readonly workload: string;
  /** Undefined at the first probe. */
  readonly from: DataFreshness['status'] | undefined;
  readonly to: DataFreshness;
}

export class DemandFreshnessMonitor {
  /** The online workloads whose demand comes from Prometheus: the only ones measured (and held). */
  readonly measuredWorkloads: readonly string[];
  private readonly options: FreshnessMonitorOptions;
  private latest: { readonly atMs: number; readonly freshness: ReadonlyMap<string, DataFreshness> } | undefined;
  private inFlight: Promise<FreshnessChange[]> | undefined;

  constructor(options: FreshnessMonitorOptions) {
    if (!(options.maxSampleAgeMs > 0)) throw new RangeError(`maxSampleAgeMs must be positive, got ${options.maxSampleAgeMs}`);
    if (!(options.maxResultAgeMs > 0)) throw new RangeError(`maxResultAgeMs must be positive, got ${options.maxResultAgeMs}`);
    this.options = options;
    this.measuredWorkloads = options.inventory.online.filter((workload) => workload.demand?.kind === 'prometheus').map((workload) => workload.name);
  }

  /**
   * Probes every measured workload; resolves with the status changes against the previous
   * probe. Calls made while a probe runs share it (a slow source never piles up probes).
   */
  refresh(): Promise<FreshnessChange[]> {
    this.inFlight ??= this.probe().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Freshness as of the newest probe, or `missing` for all when there is none recent enough. */
  current(): ReadonlyMap<string, DataFreshness> {
    const nowMs = this.options.clock.nowMs();
    const latest = this.latest;
    if (latest !== undefined && nowMs - latest.atMs <= this.options.maxResultAgeMs) return latest.freshness;
    const message = latest === undefined
      ? 'freshness not measured yet'
      : `freshness last measured ${Math.round((nowMs - latest.atMs) / 1000)} s ago, longer than the ${Math.round(this.options.maxResultAgeMs / 1000)} s a result is trusted`;
    return new Map(this.measuredWorkloads.map((workload) => [workload, { status: 'missing', message }] as const));
  }

  private async probe(): Promise<FreshnessChange[]> {
    const { source, inventory, clock, maxSampleAgeMs, concurrency } = this.options;
    const nowMs = clock.nowMs();
    const freshness = await probeDemandFreshness(source, inventory, { nowMs, ...probeResolution(maxSampleAgeMs), maxSampleAgeMs, ...(concurrency !== undefined ? { concurrency } : {}) });
    const previous = this.latest?.freshness;
    // Trusted from when the probe answered: a round over a large inventory may take a while, and
    // each sample's age was already judged against the time the round began.
    this.latest = { atMs: clock.nowMs(), freshness };
    const changes: FreshnessChange[] = [];
    for (const [workload, to] of freshness) {
      const from = previous?.get(workload)?.status;
      if (from !== to.status) changes.push({ workload, from, to });
    }
    return changes;
  }
}

/**
 * The probe's step and window for an allowed age: five steps per allowed age (so "stale" is judged
 * to a fifth of it), between 1 s and 1 min, over the last 30 min (at most 1,800 points a query).
 */
export function probeResolution(maxSampleAgeMs: number): { stepMs: number; lookbackMs: number } {
  const stepMs = Math.min(60_000, Math.max(1_000, Math.round(maxSampleAgeMs / 5 / 1_000) * 1_000));
  return { stepMs, lookbackMs: 30 * 60_000 };
}
