/**
 * Forecasts as JSON for the Redis state (the controller's last forecast survives a restart):
 * Float64Arrays become plain arrays, NaN becomes null, and decoding checks the shape with zod so a
 * corrupt or foreign value is refused (RuntimeFailure) instead of planned on.
 */
import { z } from 'zod';
import { RuntimeFailure } from '../../domain/errors.ts';
import { FORECAST_METHODS, type Forecast } from '../../domain/forecast.ts';

const float64Array = z.array(z.number().nullable()).transform((values) => Float64Array.from(values, (value) => value ?? Number.NaN));

const forecastSchema = z.object({
  workload: z.string().min(1),
  issuedAtMs: z.number(),
  startMs: z.number(),
  stepMs: z.number().positive(),
  unit: z.string(),
  quantiles: z.array(z.number().gt(0).lt(1)),
  bands: z.array(float64Array),
  components: z.array(z.object({
    kind: z.enum(['baseline', 'offline-retail', 'promotion', 'livestream', 'pulse-reserve']),
    name: z.string(),
    values: float64Array,
    uplift: z.object({ factor: z.number(), source: z.enum(['learned', 'stated', 'fallback']), occurrences: z.number() }).optional(),
  })),
  model: z.string(),
  reserves: z.array(z.object({ kind: z.literal('pulse-reserve'), name: z.string(), quantile: z.number(), values: float64Array })).optional(),
  method: z.enum(FORECAST_METHODS).optional(),
  warnings: z.array(z.string()).optional(),
}).refine((forecast) => forecast.bands.length === forecast.quantiles.length, 'expected one band per quantile');

export function encodeForecast(forecast: Forecast): string {
  return JSON.stringify(forecast, (_key, value: unknown) => {
    if (value instanceof Float64Array || value instanceof Float32Array) return Array.from(value, (entry) => (Number.isFinite(entry) ? entry : null));
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  });
}

export function decodeForecast(text: string, source: string): Forecast {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new RuntimeFailure(`${source}: stored forecast is not JSON: ${(error as Error).message}`);
  }
  const result = forecastSchema.safeParse(document);
  if (!result.success) {
    const first = result.error.issues[0];
    throw new RuntimeFailure(`${source}: stored forecast is malformed at ${first?.path.join('.') ?? ''}: ${first?.message ?? ''}`);
  }
  const { reserves, method, warnings, components, ...forecast } = result.data;
  return {
    ...forecast,
    components: components.map(({ uplift, ...component }) => (uplift !== undefined ? { ...component, uplift } : component)),
    ...(reserves !== undefined ? { reserves } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(warnings !== undefined ? { warnings } : {}),
  };
}
