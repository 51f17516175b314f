/**
 * What PrometheusSource does with answers a healthy Prometheus never gives: malformed JSON, a
 * proxy's error page, a server that hangs. A real Prometheus cannot be made to produce these, so a
 * small local HTTP server plays the broken backend (answers are written out in the table below).
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, RuntimeFailure } from '../../src/domain/errors.ts';
import { PrometheusSource } from '../../src/adapters/prometheus/prometheus-source.ts';

interface CannedAnswer {
  status: number;
  body: string;
  contentType?: string;
}

const answers = new Map<string, CannedAnswer>();
let lastAuthorization: string | undefined;
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((request, response) => {
    const name = request.url?.split('/')[1] ?? '';
    lastAuthorization = request.headers.authorization;
    if (name === 'hang') return; // never answers
    const answer = answers.get(name) ?? { status: 404, body: 'no such canned answer' };
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/json' });
    response.end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  baseUrl = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const RANGE = { startMs: 0, endMs: 180_000, stepMs: 60_000 };

describe('PrometheusSource checks every answer', () => {
  it.each([
    {
      name: 'value pair with a number instead of a string',
      answer: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[60, 2]] }] } }) },
      error: InputError, message: /malformed \/api\/v1\/query_range answer for "up": data\.result\.0\.values\.0\.1: .*expected string/,
    },
    {
      name: 'instant-query shape returned for a range query',
      answer: { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [] } }) },
      error: InputError, message: /data\.resultType: .*"matrix"/,
    },
    {
      name: 'not JSON at all (a proxy login page)',
      answer: { status: 200, body: '<html><body>Please log in</body></html>', contentType: 'text/html' },
      error: InputError, message: /answered with something that is not JSON: <html><body>Please log in/,
    },
    {
      name: 'status error with HTTP 200',
      answer: { status: 200, body: JSON.stringify({ status: 'error', errorType: 'internal', error: 'boom' }) },
      error: InputError, message: /status: /,
    },
    {
      name: 'HTTP 503 from an overloaded server',
      answer: { status: 503, body: JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }) },
      error: RuntimeFailure, message: /answered HTTP 503 for "up": timeout: query timed out/,
    },
    {
      name: 'HTTP 502 with a plain-text body',
      answer: { status: 502, body: 'Bad Gateway', contentType: 'text/plain' },
      error: RuntimeFailure, message: /\/api\/v1\/query_range answered HTTP 502 for "up": Bad Gateway/,
    },
    {
      name: 'HTTP 422 without the JSON error body',
      answer: { status: 422, body: 'unprocessable', contentType: 'text/plain' },
      error: InputError, message: /rejected the query "up": HTTP 422 unprocessable/,
    },
    {
      name: 'HTTP 401',
      answer: { status: 401, body: 'Unauthorized', contentType: 'text/plain' },
      error: RuntimeFailure, message: /HTTP 401 \(credentials\?\)/,
    },
  ])('$name', async ({ name, answer, error, message }) => {
    const key = name.replace(/\W+/g, '-');
    answers.set(key, answer);
    const source = new PrometheusSource({ baseUrl: `${baseUrl}/${key}` });
    const thrown = await source.range('up', RANGE).catch((caught: unknown) => caught);
    expect(thrown).toBeInstanceOf(error);
    expect((thrown as Error).message).toMatch(message);
  });

  it('maps special float strings and leaves missing evaluations NaN', async () => {
    answers.set('specials', {
      status: 200,
      body: JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values: [[60, '+Inf'], [180, 'NaN']] }] } }),
    });
    const series = await new PrometheusSource({ baseUrl: `${baseUrl}/specials` }).range('up', RANGE);
    expect(Array.from(series.values)).toEqual([Number.POSITIVE_INFINITY, Number.NaN, Number.NaN]);
  });

  it('sends credentials written in the URL as Basic auth, and never shows them in a message', async () => {
    answers.set('auth', { status: 200, body: JSON.stringify({ status: 'success', data: { resultType: 'vector', result: [{ metric: {}, value: [60, '7'] }] } }) });
    const withCredentials = baseUrl.replace('http://', 'http://ops%40shop:s3cr%3At@');
    expect(await new PrometheusSource({ baseUrl: `${withCredentials}/auth` }).instant('up')).toBe(7);
    expect(lastAuthorization).toBe(`Basic ${Buffer.from('ops@shop:s3cr:t').toString('base64')}`);
    const failure = await new PrometheusSource({ baseUrl: `${withCredentials}/hang`, timeoutMs: 200 }).instant('up').then(() => new Error('answered'), (caught: unknown) => caught as Error);
    expect(failure.message).toMatch(new RegExp(`Prometheus at ${baseUrl}/hang/api/v1/query did not answer`));
    expect(failure.message).not.toMatch(/s3cr|ops/);
  });

  it('gives up after the timeout with a RuntimeFailure naming the URL', async () => {
    const source = new PrometheusSource({ baseUrl: `${baseUrl}/hang`, timeoutMs: 300 });
    await expect(source.range('up', RANGE)).rejects.toThrow(RuntimeFailure);
    await expect(source.instant('up')).rejects.toThrow(new RegExp(`Prometheus at ${baseUrl}/hang/api/v1/query did not answer within 300 ms`));
  });

  it.each([
    { name: 'not a URL', options: { baseUrl: 'localhost 9090' }, message: /"localhost 9090" is not a URL/ },
    { name: 'not http', options: { baseUrl: 'ftp://example.org' }, message: /must be http or https, got ftp:/ },
    { name: 'too many points per request', options: { baseUrl: 'http://localhost:9090', maxPointsPerRequest: 20_000 }, message: /maxPointsPerRequest must be a whole number in 1–11000/ },
    { name: 'zero timeout', options: { baseUrl: 'http://localhost:9090', timeoutMs: 0 }, message: /timeout must be positive/ },
  ])('rejects bad options: $name', ({ options, message }) => {
    expect(() => new PrometheusSource(options)).toThrow(message);
  });

  it.each([
    { name: 'end before start', range: { startMs: 10, endMs: 5, stepMs: 1 }, message: /startMs < endMs/ },
    { name: 'zero step', range: { startMs: 0, endMs: 5, stepMs: 0 }, message: /step must be a positive whole number/ },
  ])('rejects a bad range before any request: $name', async ({ range, message }) => {
    const source = new PrometheusSource({ baseUrl: `${baseUrl}/hang`, timeoutMs: 100 });
    await expect(source.range('up', range)).rejects.toThrow(message);
  });
});
