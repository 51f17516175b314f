import pino, { type DestinationStream, type Logger } from 'pino';

/**
 * The one pino logger factory. JSON to stderr so stdout stays clean for `-o json`.
 *
 * Secrets never reach the logs, at any depth and in any string:
 * - a field whose name says it holds a secret (token, bearerToken, authorization, password,
 *   client-key-data, apiKey, cookie, …) is replaced by `[redacted]` wherever it is nested
 *   (a kubeconfig's `users[].user.token`, a request's `headers.Authorization`);
 * - inside strings (messages, error messages and stacks, URLs), URL credentials
 *   (`redis://:pass@host`), `Bearer …`/`Basic …` credentials, JWTs (service account tokens) and
 *   `?token=`/`?password=` query parameters are cut out.
 * pino's own `redact` paths only reach a fixed depth and never look inside strings, so every line
 * pino writes is parsed and walked before it leaves (log lines are few; the cost is microseconds).
 */
export interface LoggerOptions {
  /** @defaultValue 'info' */
  level?: string;
  /** @defaultValue 'chuanliu' */
  name?: string;
  /** Where JSON lines go. @defaultValue stderr (fd 2) */
  destination?: DestinationStream;
}

export const REDACTED = '[redacted]';

/** Field names (lower-cased, `-`/`_` removed) that always hold a secret. */
const SECRET_KEYS = new Set([
  'authorization', 'proxyauthorization', 'password', 'passwd', 'pass', 'secret', 'apikey', 'xapikey', 'cookie', 'setcookie',
  'clientkeydata', 'clientkey', 'privatekey', 'credentials',
]);

function isSecretKey(key: string): boolean {
  const normalized = key.toLowerCase().replace(/[-_]/g, '');
  return SECRET_KEYS.has(normalized) || normalized.endsWith('token') || normalized.endsWith('password') || normalized.endsWith('secret');
}

const STRING_SCRUBBERS: readonly [RegExp, string][] = [
  // scheme://user:password@host → keep the user; scheme://credential@host → drop it whole.
  [/([a-z][a-z0-9+.-]*:\/\/)([^\s/?#@:]*):[^\s/?#@]*@/gi, `$1$2:${REDACTED}@`],
  [/([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@:]+@/gi, `$1${REDACTED}@`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${REDACTED}`],
  // JWTs: Kubernetes service account tokens, OIDC id-tokens.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/([?&](?:access_token|token|password|secret|api_key|apikey)=)[^&\s#]*/gi, `$1${REDACTED}`],
];

/** The string with credentials cut out (see the module comment). */
export function scrubSecrets(text: string): string {
  let scrubbed = text;
  for (const [pattern, replacement] of STRING_SCRUBBERS) scrubbed = scrubbed.replace(pattern, replacement);
  return scrubbed;
}

/** Deeper than this is logged as a marker: log objects are small, and the walk must end on any input. */
const MAX_DEPTH = 32;

/** A copy of `value` with secret fields redacted and every string scrubbed; the input is not changed. */
export function redactSecrets(value: unknown): unknown {
  return redactValue(value, 0, new WeakSet());
}

function redactValue(value: unknown, depth: number, seen: WeakSet<object>): unknown {
  if (typeof value === 'string') return scrubSecrets(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return '[too deep]';
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1, seen));
    if (value instanceof Error) return redactError(value, depth, seen);
    if (value instanceof Date || Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return value;
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) copy[key] = isSecretKey(key) ? REDACTED : redactValue(item, depth + 1, seen);
    return copy;
  } finally {
    seen.delete(value);
  }
}

/** The fields pino's err serializer would write, scrubbed (pino passes plain objects through). */
function redactError(error: Error, depth: number, seen: WeakSet<object>): Record<string, unknown> {
  const copy: Record<string, unknown> = { type: error.name, message: scrubSecrets(error.message) };
  if (error.stack !== undefined) copy['stack'] = scrubSecrets(error.stack);
  for (const [key, item] of Object.entries(error)) copy[key] = isSecretKey(key) ? REDACTED : redactValue(item, depth + 1, seen);
  if (error.cause !== undefined) copy['cause'] = redactValue(error.cause, depth + 1, seen);
  return copy;
}

/** A JSON log line with secrets removed; a line that is not JSON is scrubbed as text. */
export function redactLogLine(line: string): string {
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return scrubSecrets(line);
  }
  return `${JSON.stringify(redactSecrets(record))}\n`;
}

/**
 * Every line pino writes passes through `redactLogLine` on its way to `inner`. Redacting the
 * finished line (instead of pino's `redact` paths and formatters) covers what those miss: child
 * bindings, messages, printf arguments, serialized error causes, any depth.
 */
type FlushableDestination = DestinationStream & { flushSync?: () => void; flush?: (callback: (error?: Error) => void) => void };

export function redactingDestination(inner: DestinationStream): FlushableDestination {
  const flushable = inner as FlushableDestination;
  // `logger.flush()` and pino's exit handling look for these on the stream: pass them through.
  return {
    write: (line: string) => inner.write(redactLogLine(line)),
    ...(typeof flushable.flushSync === 'function' ? { flushSync: () => flushable.flushSync?.() } : {}),
    ...(typeof flushable.flush === 'function' ? { flush: (callback: (error?: Error) => void) => flushable.flush?.(callback) } : {}),
  };
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    { name: options.name ?? 'chuanliu', level: options.level ?? 'info' },
    redactingDestination(options.destination ?? pino.destination(2)),
  );
}
export type { Logger };
