/**
 * What went wrong with one API call, in the terms the retry logic needs: conflict (re-read and
 * retry), throttled (wait Retry-After), transient (5xx, dropped connection: back off and retry) or
 * rejected (4xx: retrying cannot help).
 */
import { ApiException } from '@kubernetes/client-node';

export type CallFailure =
  | { readonly kind: 'conflict'; readonly message: string }
  | { readonly kind: 'not-found'; readonly message: string }
  | { readonly kind: 'throttled'; readonly retryAfterMs: number | undefined; readonly message: string }
  | { readonly kind: 'transient'; readonly message: string }
  | { readonly kind: 'rejected'; readonly status: number; readonly message: string };

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.slice(0, 300);
    }
  }
  if (parsed && typeof parsed === 'object' && typeof (parsed as { message?: unknown }).message === 'string') return (parsed as { message: string }).message;
  return undefined;
}

/** Retry-After is whole seconds in Kubernetes (an HTTP date is also legal; it is not used by the API server). */
function retryAfterMs(headers: Record<string, string> | undefined): number | undefined {
  const value = headers?.['retry-after'];
  if (value === undefined) return undefined;
  const seconds = Number(value);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

export function classify(error: unknown): CallFailure {
  if (error instanceof ApiException) {
    const code = error.code;
    const message = `HTTP ${code}: ${statusMessage(error.body) ?? error.message}`;
    if (code === 409) return { kind: 'conflict', message };
    if (code === 404) return { kind: 'not-found', message };
    if (code === 429) return { kind: 'throttled', retryAfterMs: retryAfterMs(error.headers), message };
    if (code >= 500) return { kind: 'transient', message };
    return { kind: 'rejected', status: code, message };
  }
  // fetch failures (ECONNRESET, socket hang up, ECONNREFUSED) are worth another try.
  const message = error instanceof Error ? `${error.message}${(error as { code?: string }).code ? ` (${(error as { code?: string }).code})` : ''}` : String(error);
  return { kind: 'transient', message: `connection failed: ${message}` };
}
