/**
 * The applied-steps store in Redis, so a restarted (or replacement) controller knows which plan
 * steps are done and when each release started draining.
 *
 * First record wins, atomically: one Lua script sets the step's id in a hash with HSETNX and only
 * then appends the record to the plan's list, so a replayed tick (or a second controller) never
 * moves a release's drain clock and `list` keeps first-marked order. Keys expire `retentionMs`
 * after the last mark, so old plans do not pile up.
 */
import { RuntimeFailure } from '../../domain/errors.ts';
import type { AppliedStepRecord, AppliedStepStore } from '../../ports/applied-steps.ts';
import type { Redis } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

const MARK_FIRST = `
if redis.call('HSETNX', KEYS[1], ARGV[1], '1') == 1 then
  redis.call('RPUSH', KEYS[2], ARGV[2])
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
return 1`;

export interface RedisAppliedStepStoreOptions {
  readonly redis: Redis;
  readonly keys: RedisKeys;
  /** How long a plan's records are kept after its last mark. @defaultValue 7 days */
  readonly retentionMs?: number;
}

export class RedisAppliedStepStore implements AppliedStepStore {
  private readonly redis: Redis;
  private readonly keys: RedisKeys;
  private readonly retentionMs: number;

  constructor(options: RedisAppliedStepStoreOptions) {
    this.redis = options.redis;
    this.keys = options.keys;
    this.retentionMs = options.retentionMs ?? 7 * 24 * 3_600_000;
  }

  async markApplied(record: AppliedStepRecord): Promise<void> {
    try {
      await this.redis.eval(MARK_FIRST, 2, this.keys.appliedSet(record.planId), this.keys.appliedList(record.planId),
        record.stepId, JSON.stringify(record), String(this.retentionMs));
    } catch (error) {
      throw new RuntimeFailure(`Redis: cannot record applied step ${record.stepId}: ${(error as Error).message}`, { cause: error });
    }
  }

  async list(planId: string): Promise<readonly AppliedStepRecord[]> {
    let texts: string[];
    try {
      texts = await this.redis.lrange(this.keys.appliedList(planId), 0, -1);
    } catch (error) {
      throw new RuntimeFailure(`Redis: cannot read applied steps of plan ${planId}: ${(error as Error).message}`, { cause: error });
    }
    return texts.map((text) => JSON.parse(text) as AppliedStepRecord);
  }
}
