/**
 * MetricsSource over the Prometheus HTTP API (`/api/v1/query_range`, `/api/v1/query`), with the
 * platform's fetch.
 *
 * Buckets and evaluation times: bucket i covers [startMs + i·stepMs, startMs + (i+1)·stepMs). A
 * request-rate query such as `sum(rate(http_requests_total[1m]))` evaluated at t describes the
 * window ending at t, so by default bucket i is the query evaluated at the bucket's *end*
 * (`evaluateAt: 'bucket-end'`). Gauges sampled at bucket starts can ask for `'bucket-start'`.
 *
 * Long ranges are split into requests of at most `maxPointsPerRequest` evaluations (Prometheus
 * refuses more than 11,000 points per series). Evaluations with no sample stay NaN.
 *
 * Errors: a query Prometheus rejects (HTTP 400/422) → InputError naming the query; a query that
 * returns several series → InputError (aggregate it); an answer that is not the documented JSON →
 * InputError naming what was wrong; unreachable, timed out, 5xx or refused (401/403/404) →
 * RuntimeFailure with the URL. Read-only: retrying is always safe.
 */
import type { z } from 'zod';
import { InputError, RuntimeFailure } from '../../domain/errors.ts';
import type { RegularSeries } from '../../domain/series.ts';
import type { MetricsSource } from '../../ports/metrics-source.ts';
import {
  describeSchemaProblems, errorAnswer, instantAnswer, parseSampleValue, rangeAnswer, type MatrixSeries,
} from './answer-schema.ts';

/** Prometheus rejects a range query resolving to more than this many points per series. */
export const PROMETHEUS_MAX_POINTS = 11_000;

export interface PrometheusSourceOptions {
  /** Base URL of the Prometheus server, e.g. `http://prometheus.monitoring:9090` (a path prefix is kept). */
  baseUrl: string;
  /** Give up on one HTTP request after this long. @defaultValue 30_000 */
  timeoutMs?: number;
  /** Evaluations per query_range request; at most 11,000. @defaultValue 10_000 */
  maxPointsPerRequest?: number;
  /** Which instant of a bucket the query is evaluated at. @defaultValue 'bucket-end' */
  evaluateAt?: 'bucket-start' | 'bucket-end';
  /** Extra request headers, e.g. `{ authorization: 'Bearer …' }`. Never logged. */
  headers?: Record<string, string>;
  /** Unit stamped on returned series. @defaultValue 'requests/s' */
  unit?: string;
}

type Endpoint = 'query_range' | 'query';

export class PrometheusSource implements MetricsSource {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly maxPointsPerRequest: number;
  private readonly evaluateAt: 'bucket-start' | 'bucket-end';
  private readonly headers: Record<string, string>;
  private readonly unit: string;

  constructor(options: PrometheusSourceOptions) {
    let parsed: URL;
    try {
      parsed = new URL(options.baseUrl);
    } catch {
      throw new InputError(`"${options.baseUrl}" is not a URL; expected e.g. http://localhost:9090`, { field: 'prometheus.baseUrl' });
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new InputError(`Prometheus URL must be http or https, got ${parsed.protocol}`, { field: 'prometheus.baseUrl' });
    }
    // Credentials in the URL (http://user:pass@prometheus:9090) become a Basic Authorization header:
    // fetch refuses URLs that carry them, and the URL appears in every error message.
    const basic: Record<string, string> = parsed.username !== '' || parsed.password !== ''
      ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`).toString('base64')}` }
      : {};
    parsed.username = '';
    parsed.password = '';
    this.baseUrl = parsed.href.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.maxPointsPerRequest = options.maxPointsPerRequest ?? 10_000;
    if (!Number.isInteger(this.maxPointsPerRequest) || this.maxPointsPerRequest < 1 || this.maxPointsPerRequest > PROMETHEUS_MAX_POINTS) {
      throw new InputError(`maxPointsPerRequest must be a whole number in 1–${PROMETHEUS_MAX_POINTS}, got ${options.maxPointsPerRequest}`, { field: 'prometheus.maxPointsPerRequest' });
    }
    if (!(this.timeoutMs > 0)) throw new InputError(`timeout must be positive, got ${options.timeoutMs}`, { field: 'prometheus.timeoutMs' });
    this.evaluateAt = options.evaluateAt ?? 'bucket-end';
    this.headers = { ...basic, ...options.headers };
    this.unit = options.unit ?? 'requests/s';
  }

  async range(query: string, options: { startMs: number; endMs: number; stepMs: number }): Promise<RegularSeries> {
    const { startMs, endMs, stepMs } = options;
    const source = 'prometheus:query_range';
    if (!Number.isFinite(startMs) || !Number.isFinite(endMs) || endMs <= startMs) {
      throw new InputError(`range must have startMs < endMs, got ${startMs}..${endMs}`, { source, field: 'range' });
    }
    if (!Number.isInteger(stepMs) || stepMs <= 0) {
      throw new InputError(`step must be a positive whole number of milliseconds, got ${stepMs}`, { source, field: 'stepMs' });
    }
    const bucketCount = Math.ceil((endMs - startMs) / stepMs);
    const values = new Float64Array(bucketCount).fill(Number.NaN);
    const firstEvaluationMs = startMs + (this.evaluateAt === 'bucket-end' ? stepMs : 0);

    for (let chunkStart = 0; chunkStart < bucketCount; chunkStart += this.maxPointsPerRequest) {
      const chunkEnd = Math.min(bucketCount, chunkStart + this.maxPointsPerRequest) - 1;
      const body = await this.post('query_range', query, {
        query,
        start: toSeconds(firstEvaluationMs + chunkStart * stepMs),
        end: toSeconds(firstEvaluationMs + chunkEnd * stepMs),
        step: toSeconds(stepMs),
      });
      const answer = this.validate(rangeAnswer, body, 'query_range', query);
      const series = this.singleSeries(answer.data.result, query, 'query_range');
      for (const [seconds, text] of series?.values ?? []) {
        const bucket = Math.round((seconds * 1000 - firstEvaluationMs) / stepMs);
        // Prometheus answers only inside the asked window; anything else would be a server bug.
        if (bucket >= chunkStart && bucket <= chunkEnd) values[bucket] = parseSampleValue(text);
      }
    }
    return { startMs, stepMs, values, unit: this.unit };
  }

  async instant(query: string, atMs?: number): Promise<number> {
    const form: Record<string, string> = { query };
    if (atMs !== undefined) {
      if (!Number.isFinite(atMs)) throw new InputError(`evaluation time must be finite, got ${atMs}`, { source: 'prometheus:query', field: 'atMs' });
      form.time = toSeconds(atMs);
    }
    const body = await this.post('query', query, form);
    const { data } = this.validate(instantAnswer, body, 'query', query);
    switch (data.resultType) {
      case 'scalar':
        return parseSampleValue(data.result[1]);
      case 'vector': {
        if (data.result.length > 1) throw this.tooManySeries(query, 'query', data.result.length);
        const value = data.result[0]?.value;
        return value === undefined ? Number.NaN : parseSampleValue(value[1]);
      }
      default:
        throw new InputError(
          `query "${query}" returns a ${data.resultType}; an instant value needs a vector or scalar (drop the [range] selector)`,
          { source: 'prometheus:query', field: 'query' },
        );
    }
  }

  private async post(endpoint: Endpoint, query: string, form: Record<string, string>): Promise<unknown> {
    const url = `${this.baseUrl}/api/v1/${endpoint}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...this.headers },
        body: new URLSearchParams(form).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new RuntimeFailure(`Prometheus at ${url} ${describeFetchFailure(error, this.timeoutMs)}`, { cause: error });
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw new RuntimeFailure(`Prometheus at ${url} ${describeFetchFailure(error, this.timeoutMs)} while sending its answer`, { cause: error });
    }
    const body = parseJson(text);
    if (response.status === 400 || response.status === 422) {
      const problem = errorAnswer.safeParse(body);
      const reason = problem.success ? `${problem.data.errorType}: ${problem.data.error}` : `HTTP ${response.status} ${abbreviate(text)}`;
      throw new InputError(`Prometheus rejected the query "${query}": ${reason}`, { source: `prometheus:${endpoint}`, field: 'query' });
    }
    if (!response.ok) {
      const problem = errorAnswer.safeParse(body);
      const reason = problem.success ? `${problem.data.errorType}: ${problem.data.error}` : abbreviate(text);
      const hint = response.status === 404 ? ' (is the base URL right?)' : response.status === 401 || response.status === 403 ? ' (credentials?)' : '';
      throw new RuntimeFailure(`Prometheus at ${url} answered HTTP ${response.status}${hint} for "${query}": ${reason}`);
    }
    if (body === undefined) {
      throw new InputError(`Prometheus at ${url} answered with something that is not JSON: ${abbreviate(text)}`, { source: `prometheus:${endpoint}` });
    }
    return body;
  }

  private validate<Schema extends z.ZodType>(schema: Schema, body: unknown, endpoint: Endpoint, query: string): z.infer<Schema> {
    const result = schema.safeParse(body);
    if (!result.success) {
      throw new InputError(
        `Prometheus at ${this.baseUrl} gave a malformed /api/v1/${endpoint} answer for "${query}": ${describeSchemaProblems(result.error)}`,
        { source: `prometheus:${endpoint}`, field: result.error.issues[0]?.path.join('.') ?? '' },
      );
    }
    return result.data as z.infer<Schema>;
  }

  private singleSeries(result: MatrixSeries[], query: string, endpoint: Endpoint): MatrixSeries | undefined {
    if (result.length > 1) throw this.tooManySeries(query, endpoint, result.length);
    const series = result[0];
    if (series !== undefined && series.values === undefined && series.histograms !== undefined) {
      throw new InputError(`query "${query}" returns native histograms; chuanliu needs a float series (use histogram_quantile or rate of a counter)`, {
        source: `prometheus:${endpoint}`, field: 'query',
      });
    }
    return series;
  }

  private tooManySeries(query: string, endpoint: Endpoint, count: number): InputError {
    return new InputError(`query "${query}" returns ${count} series; chuanliu needs one (aggregate it, e.g. sum(...))`, {
      source: `prometheus:${endpoint}`, field: 'query',
    });
  }
}

/** Unix seconds with millisecond precision, the form the API accepts for start/end/time/step. */
function toSeconds(ms: number): string {
  return (ms / 1000).toFixed(3).replace(/\.?0+$/, '');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function abbreviate(text: string, limit = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > limit ? `${flat.slice(0, limit)}…` : flat || '(empty body)';
}

function describeFetchFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `did not answer within ${timeoutMs} ms`;
  }
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return `is unreachable: ${cause ?? message}`;
}
