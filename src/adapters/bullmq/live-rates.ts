/**
 * Live request rates for the reactive guard, and the forecast band they are judged against.
 * `PrometheusLiveRates` reads each online workload's demand query (config `demand.kind:
 * prometheus`) as an instant query; workloads with another source are not sampled.
 */
import type { GuardedSample } from '../../controller/guard-loop.ts';
import { bandFor, type Forecast } from '../../domain/forecast.ts';
import type { OnlineWorkload } from '../../domain/workload.ts';
import type { MetricsSource } from '../../ports/metrics-source.ts';

export interface LiveRates {
  /** Observed requests/s per online workload now (NaN = no trustworthy sample). */
  sample(nowMs: number): Promise<ReadonlyMap<string, number>>;
}

export class PrometheusLiveRates implements LiveRates {
  private readonly queries: ReadonlyMap<string, string>;

  constructor(private readonly source: MetricsSource, online: readonly OnlineWorkload[]) {
    this.queries = new Map(online.flatMap((workload) => (workload.demand?.kind === 'prometheus' ? [[workload.name, workload.demand.query] as const] : [])));
  }

  async sample(nowMs: number): Promise<ReadonlyMap<string, number>> {
    const entries = await Promise.all([...this.queries].map(async ([workload, query]) => {
      try {
        return [workload, await this.source.instant(query, nowMs)] as const;
      } catch {
        // An unanswered query is no sample, never zero demand.
        return [workload, Number.NaN] as const;
      }
    }));
    return new Map(entries);
  }
}

/** Guard samples: each observed rate with the forecast's `bandQuantile` band at `nowMs`. */
export function guardSamples(options: { rates: ReadonlyMap<string, number>; forecasts: ReadonlyMap<string, Forecast>; bandQuantile: number; nowMs: number }): GuardedSample[] {
  const samples: GuardedSample[] = [];
  for (const [workload, observedRps] of options.rates) {
    const forecast = options.forecasts.get(workload);
    let bandRps = Number.NaN;
    if (forecast !== undefined && forecast.quantiles.some((quantile) => Math.abs(quantile - options.bandQuantile) < 1e-9)) {
      const bucket = Math.floor((options.nowMs - forecast.startMs) / forecast.stepMs);
      bandRps = bandFor(forecast, options.bandQuantile)[bucket] ?? Number.NaN;
    }
    samples.push({ workload, timeMs: options.nowMs, observedRps, bandRps });
  }
  return samples;
}
