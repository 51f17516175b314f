/**
 * Client-side rate limit, the token bucket client-go uses: `burst` requests at once, then `qps`
 * per second. Waiting callers are served in arrival order.
 */
import type { Clock } from '../../ports/clock.ts';

export interface RateLimit {
  /** Sustained requests per second. */
  readonly qps: number;
  /** Requests allowed at once after an idle spell. */
  readonly burst: number;
}

/** client-go's rest.Config defaults (QPS 5, Burst 10): far too low for a grand shift; see DEFAULT_RATE_LIMIT. */
export const CLIENT_GO_DEFAULT_RATE_LIMIT: RateLimit = { qps: 5, burst: 10 };

export class TokenBucket {
  private tokens: number;
  private lastRefillMs: number;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {
    if (!(limit.qps > 0) || !(limit.burst >= 1)) throw new RangeError(`rate limit needs qps > 0 and burst ≥ 1, got qps=${limit.qps}, burst=${limit.burst}`);
    this.tokens = limit.burst;
    this.lastRefillMs = clock.nowMs();
  }

  /** Resolves when the caller may send one request. */
  take(): Promise<void> {
    const turn = this.tail.then(() => this.waitForToken());
    this.tail = turn;
    return turn;
  }

  private async waitForToken(): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      await this.clock.sleep(Math.ceil(((1 - this.tokens) / this.limit.qps) * 1000));
    }
  }

  private refill(): void {
    const nowMs = this.clock.nowMs();
    const elapsedMs = Math.max(0, nowMs - this.lastRefillMs);
    this.tokens = Math.min(this.limit.burst, this.tokens + (elapsedMs / 1000) * this.limit.qps);
    this.lastRefillMs = nowMs;
  }
}
