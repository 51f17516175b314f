/**
 * The few numbers a person wants from a forecast before the chart: when the peak is, how high each
 * quantile goes there, and which components make it up.
 */
import type { ComponentKind, Forecast } from '../domain/forecast.ts';

export interface ComponentShare {
  readonly name: string;
  readonly kind: ComponentKind;
  /** The component's contribution at the peak bucket, in the forecast's unit. */
  readonly value: number;
  /** value / sum of all components at the peak × 100. */
  readonly sharePercent: number;
}

export interface ForecastPeak {
  readonly bucketIndex: number;
  readonly startMs: number;
  /** Quantile values at the peak bucket, in the order of `forecast.quantiles`. */
  readonly quantileValues: readonly { readonly quantile: number; readonly value: number }[];
  readonly components: readonly ComponentShare[];
}

/**
 * The peak is the bucket where the highest quantile — the one capacity is provisioned for — is
 * largest (first such bucket on ties). Undefined when the forecast has no finite value.
 */
export function forecastPeak(forecast: Forecast): ForecastPeak | undefined {
  const top = forecast.bands[forecast.bands.length - 1];
  if (!top) return undefined;
  let bucketIndex = -1;
  for (let i = 0; i < top.length; i += 1) {
    const value = top[i] as number;
    if (Number.isFinite(value) && (bucketIndex < 0 || value > (top[bucketIndex] as number))) bucketIndex = i;
  }
  if (bucketIndex < 0) return undefined;
  const values = forecast.components.map((component) => component.values[bucketIndex] ?? Number.NaN);
  const total = values.reduce((sum, value) => sum + (Number.isFinite(value) ? value : 0), 0);
  return {
    bucketIndex,
    startMs: forecast.startMs + bucketIndex * forecast.stepMs,
    quantileValues: forecast.quantiles.map((quantile, k) => ({ quantile, value: forecast.bands[k]?.[bucketIndex] ?? Number.NaN })),
    components: forecast.components.map((component, index) => ({
      name: component.name,
      kind: component.kind,
      value: values[index] as number,
      sharePercent: total > 0 ? ((values[index] as number) / total) * 100 : Number.NaN,
    })),
  };
}

/** `0.99` → `p99`, `0.5` → `p50`, `0.999` → `p99.9`. */
export function quantileLabel(quantile: number): string {
  return `p${Number((quantile * 100).toPrecision(6))}`;
}
