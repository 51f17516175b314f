/**
 * The shape of Prometheus HTTP API answers (https://prometheus.io/docs/prometheus/latest/querying/api/),
 * checked before use so a proxy's HTML page or a half-compatible backend fails with a message that
 * says what was wrong instead of a TypeError deep in the mapping.
 */
import { z } from 'zod';

/** `[<unix seconds>, "<value>"]`; values are strings so NaN and ±Inf survive JSON. */
const samplePair = z.tuple([z.number(), z.string()]);

const matrixSeries = z.object({
  metric: z.record(z.string(), z.string()),
  values: z.array(samplePair).optional(),
  /** Native histograms come back here; chuanliu reads plain float series only. */
  histograms: z.array(z.unknown()).optional(),
});

const vectorSample = z.object({
  metric: z.record(z.string(), z.string()),
  value: samplePair.optional(),
  histogram: z.unknown().optional(),
});

export const rangeAnswer = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.literal('matrix'), result: z.array(matrixSeries) }),
  warnings: z.array(z.string()).optional(),
});

export const instantAnswer = z.object({
  status: z.literal('success'),
  data: z.discriminatedUnion('resultType', [
    z.object({ resultType: z.literal('vector'), result: z.array(vectorSample) }),
    z.object({ resultType: z.literal('scalar'), result: samplePair }),
    z.object({ resultType: z.literal('string'), result: samplePair }),
    z.object({ resultType: z.literal('matrix'), result: z.array(matrixSeries) }),
  ]),
  warnings: z.array(z.string()).optional(),
});

/** The body Prometheus sends with 4xx/5xx answers. */
export const errorAnswer = z.object({
  status: z.literal('error'),
  errorType: z.string(),
  error: z.string(),
});

export type MatrixSeries = z.infer<typeof matrixSeries>;

/** Prometheus writes special floats as strings: "NaN", "+Inf", "-Inf". */
export function parseSampleValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** `data.result[0].values[3]: expected number, got string` — the first problems zod found, in words. */
export function describeSchemaProblems(error: z.ZodError, limit = 3): string {
  return error.issues.slice(0, limit)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
