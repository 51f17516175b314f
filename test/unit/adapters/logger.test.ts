/**
 * No secret reaches the logs: what createLogger writes (captured through its destination stream)
 * never contains a token, Authorization header, password or URL credential, at any depth and in
 * any string, while ordinary fields stay readable.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createLogger, REDACTED, redactSecrets, scrubSecrets, type Logger } from '../../../src/adapters/logger.ts';

/** A logger whose JSON lines land in an array. */
function capturingLogger(level = 'debug'): { logger: Logger; lines: () => string[]; records: () => Record<string, unknown>[] } {
  const written: string[] = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void written.push(line) } });
  return { logger, lines: () => written, records: () => written.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

// Synthetic credentials, shaped like real ones so the patterns are exercised honestly.
const SERVICE_ACCOUNT_JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6InN5bnRoZXRpYyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2h1YW5saXUtc3lzdGVtOmNodWFubGl1In0.c3ludGhldGljLXNpZ25hdHVyZQ';
const OPAQUE_TOKEN = 'kube-token-0d9c1e77b2f84a1f';
const REDIS_PASSWORD = 'r3dis-Pa55word-91c3';

describe('createLogger redaction', () => {
  it.each([
    {
      name: 'kubeconfig user token, nested in a list',
      log: (logger: Logger) => logger.info({ kubeconfig: { users: [{ name: 'chuanliu', user: { token: OPAQUE_TOKEN } }] } }, 'loaded kubeconfig'),
      secret: OPAQUE_TOKEN,
    },
    {
      name: 'Authorization header of a request, any capitalisation',
      log: (logger: Logger) => logger.warn({ request: { method: 'PATCH', headers: { Authorization: `Bearer ${OPAQUE_TOKEN}` } } }, 'API request failed'),
      secret: OPAQUE_TOKEN,
    },
    {
      name: 'service account JWT inside an error message',
      log: (logger: Logger) => logger.error({ err: new Error(`401 Unauthorized for token ${SERVICE_ACCOUNT_JWT}`) }, 'snapshot failed'),
      secret: SERVICE_ACCOUNT_JWT,
    },
    {
      name: 'an Error logged on its own (its message becomes msg)',
      log: (logger: Logger) => logger.error(new Error(`cannot reach redis://:${REDIS_PASSWORD}@chuanliu-redis:6379`)),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'Redis URL password in a field',
      log: (logger: Logger) => logger.info({ redis: `redis://default:${REDIS_PASSWORD}@chuanliu-redis:6379/0` }, 'connecting'),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'Redis URL password in the message',
      log: (logger: Logger) => logger.info(`connecting to rediss://:${REDIS_PASSWORD}@chuanliu-redis:6380`),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'Redis URL password in a printf argument',
      log: (logger: Logger) => logger.info('connecting to %s', `redis://:${REDIS_PASSWORD}@chuanliu-redis:6379`),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'password field deep in the properties of an error',
      log: (logger: Logger) => logger.error({ err: Object.assign(new Error('worker stopped'), { options: { connection: { host: 'chuanliu-redis', password: REDIS_PASSWORD } } }) }, 'worker stopped'),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'Redis URL in the message of an error cause',
      log: (logger: Logger) => logger.error({ err: new Error('queue closed', { cause: new Error(`connect ECONNREFUSED redis://:${REDIS_PASSWORD}@10.0.0.7:6379`) }) }, 'worker stopped'),
      secret: REDIS_PASSWORD,
    },
    {
      name: 'client-key-data and bearerToken of a kubeconfig',
      log: (logger: Logger) => logger.debug({ config: { users: [{ user: { 'client-key-data': OPAQUE_TOKEN, bearerToken: SERVICE_ACCOUNT_JWT } }] } }, 'auth'),
      secret: OPAQUE_TOKEN,
    },
    {
      name: 'token in a child logger binding',
      log: (logger: Logger) => logger.child({ auth: { accessToken: OPAQUE_TOKEN } }).info('child'),
      secret: OPAQUE_TOKEN,
    },
    {
      name: 'token query parameter of a URL',
      log: (logger: Logger) => logger.info({ url: `https://prometheus.example/api/v1/query?query=up&access_token=${OPAQUE_TOKEN}` }, 'query'),
      secret: OPAQUE_TOKEN,
    },
  ])('$name never reaches the output', ({ log, secret }) => {
    const { logger, lines } = capturingLogger();
    log(logger);
    expect(lines()).toHaveLength(1);
    expect(lines()[0]).not.toContain(secret);
    expect(lines()[0]).toContain(REDACTED);
  });

  it('keeps what is not secret: message, counts, names, the Redis host', () => {
    const { logger, records } = capturingLogger();
    logger.info({ workload: 'payment-api', namespace: 'payments', replicas: 40, tokensPerSecond: 500, redis: `redis://:${REDIS_PASSWORD}@chuanliu-redis:6379` }, 'scaled payment-api to 40');
    const [record] = records();
    expect(record).toMatchObject({
      msg: 'scaled payment-api to 40',
      workload: 'payment-api',
      namespace: 'payments',
      replicas: 40,
      tokensPerSecond: 500,
      redis: `redis://:${REDACTED}@chuanliu-redis:6379`,
      name: 'chuanliu',
    });
  });

  it('logs an error with its type and a scrubbed stack', () => {
    const { logger, records } = capturingLogger();
    logger.error({ err: new TypeError(`bad URL redis://user:${REDIS_PASSWORD}@host`) }, 'failed');
    const error = records()[0]?.['err'] as Record<string, string>;
    expect(error['type']).toBe('TypeError');
    expect(error['message']).toBe(`bad URL redis://user:${REDACTED}@host`);
    expect(error['stack']).toContain('TypeError: bad URL redis://user:[redacted]@host');
  });

  it('does not change the object it was given', () => {
    const { logger } = capturingLogger();
    const request = { headers: { authorization: `Bearer ${OPAQUE_TOKEN}` } };
    logger.info({ request }, 'sent');
    expect(request.headers.authorization).toBe(`Bearer ${OPAQUE_TOKEN}`);
  });

  it('ends on cyclic objects', () => {
    const { logger, records } = capturingLogger();
    const node: Record<string, unknown> = { name: 'a', password: REDIS_PASSWORD };
    node['self'] = node;
    logger.info({ node }, 'cyclic');
    expect(records()[0]?.['node']).toEqual({ name: 'a', password: REDACTED, self: '[Circular]' });
  });

  it('writes nothing below its level', () => {
    const { logger, lines } = capturingLogger('warn');
    logger.info({ token: OPAQUE_TOKEN }, 'quiet');
    expect(lines()).toEqual([]);
  });
});

describe('scrubSecrets', () => {
  it.each([
    { name: 'redis URL with user and password', input: 'redis://app:hunter22@r:6379/2', output: `redis://app:${REDACTED}@r:6379/2` },
    { name: 'redis URL with password only', input: 'redis://:hunter22@r:6379', output: `redis://:${REDACTED}@r:6379` },
    { name: 'URL with a bare credential', input: 'https://ghp_abcdef123456@git.example/x', output: `https://${REDACTED}@git.example/x` },
    { name: 'URL without credentials', input: 'redis://chuanliu-redis:6379', output: 'redis://chuanliu-redis:6379' },
    { name: 'Bearer header value', input: 'Authorization: Bearer abc.def-123', output: `Authorization: Bearer ${REDACTED}` },
    { name: 'Basic header value', input: 'basic dXNlcjpwYXNz', output: `basic ${REDACTED}` },
    { name: 'password query parameter', input: '/login?user=a&password=x1&next=/', output: `/login?user=a&password=${REDACTED}&next=/` },
    { name: 'ordinary sentence', input: 'scaled 12 deployments in payments', output: 'scaled 12 deployments in payments' },
  ])('$name', ({ input, output }) => {
    expect(scrubSecrets(input)).toBe(output);
  });
});

describe('redactSecrets (property)', () => {
  const secretKeys = ['token', 'password', 'authorization', 'Authorization', 'bearerToken', 'client-key-data', 'api_key', 'refreshToken', 'clientSecret'];
  const plainKeys = ['spec', 'users', 'user', 'headers', 'options', 'data', 'items', 'x'];

  it('a secret under a secret-named key at any depth never survives, and plain leaves do', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...plainKeys), { maxLength: 9 }),
        fc.constantFrom(...secretKeys),
        fc.stringMatching(/^[A-Za-z0-9]{12,24}$/),
        fc.boolean(),
        (path, secretKey, random, inArray) => {
          const secret = `S3CRET${random}`;
          let leaf: unknown = { [secretKey]: secret, keep: 'visible-value' };
          for (const key of [...path].reverse()) leaf = inArray ? { [key]: [leaf] } : { [key]: leaf };
          const { logger, lines } = capturingLogger();
          logger.info({ root: leaf }, 'property');
          const line = lines()[0] ?? '';
          expect(line).not.toContain(secret);
          expect(line).toContain('visible-value');
        },
      ),
      { numRuns: 300, seed: 20251111 },
    );
  });

  it('a password in any redis URL is cut from any string field', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9!$%^*()_+=-]{6,32}$/), fc.stringMatching(/^[a-z]{0,8}$/), fc.constantFrom('redis', 'rediss'), (password, user, scheme) => {
        const secret = `P${password}`;
        const redacted = redactSecrets({ message: `connect ${scheme}://${user}:${secret}@cache.internal:6379/0 failed` }) as { message: string };
        expect(redacted.message).not.toContain(secret);
        expect(redacted.message).toContain('cache.internal:6379/0');
      }),
      { numRuns: 300, seed: 11 },
    );
  });
});

describe('redactingDestination', () => {
  it('passes flush through to the stream it wraps', async () => {
    const written: string[] = [];
    let flushed = 0;
    const destination = {
      write: (line: string) => void written.push(line),
      flush: (callback: () => void) => {
        flushed += 1;
        callback();
      },
    };
    const logger = createLogger({ destination });
    logger.info({ password: 'x' }, 'before flush');
    await new Promise<void>((resolve, reject) => logger.flush((error) => (error ? reject(error) : resolve())));
    expect(flushed).toBe(1);
    expect(written).toHaveLength(1);
  });
});
