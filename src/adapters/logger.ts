import pino, { type Logger } from 'pino';

/**
 * The one pino logger factory. JSON to stderr so stdout stays clean for `-o json`.
 * Secrets never reach the logs: token-like fields are redacted wherever they appear.
 */
export function createLogger(options: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: options.name ?? 'chuanliu',
      level: options.level ?? 'info',
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'password', '*.password', 'bearerToken', '*.bearerToken'],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
export type { Logger };
