/**
 * The controller's state in Redis: the plan it follows, the last forecast of every online workload,
 * and when each cycle (forecast refresh, planning) last ran. A restarted or replacement controller
 * reads them back and resumes the same plan instead of starting from nothing.
 *
 * Plans are stored in the plan-file format (plan-file.ts), forecasts with forecast-codec.ts; both
 * are validated when read back.
 */
import { InputError, RuntimeFailure } from '../../domain/errors.ts';
import type { Forecast } from '../../domain/forecast.ts';
import type { CapacityPlan } from '../../domain/plan.ts';
import { decodeDemandFit, encodeDemandFit, type DemandFit } from '../../forecaster/demand-fit.ts';
import { decodePlan, encodePlan } from '../plan-file.ts';
import { decodeForecast, encodeForecast } from './forecast-codec.ts';
import type { Redis } from './redis-connection.ts';
import type { RedisKeys } from './redis-keys.ts';

export type CycleName = 'forecast' | 'plan';

/** KEYS: forecasts hash, issued-at hash; ARGV: (workload, issuedAtMs, json)…; stores where not older. */
const SAVE_IF_NEWER = `
local stored = 0
for i = 1, #ARGV, 3 do
  local previous = tonumber(redis.call('HGET', KEYS[2], ARGV[i]))
  if previous == nil or previous <= tonumber(ARGV[i + 1]) then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 2])
    redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
    stored = stored + 1
  end
end
return stored`;

/** A condition of the controller as a whole, Kubernetes-style. */
export interface ControllerCondition {
  readonly type: string;
  readonly status: 'True' | 'False';
  readonly reason: string;
  readonly message: string;
  /** When the status last changed (ISO 8601). */
  readonly lastTransitionTime: string;
}

export class RedisStateStore {
  constructor(private readonly redis: Redis, private readonly keys: RedisKeys) {}

  async savePlan(plan: CapacityPlan): Promise<void> {
    await this.guard('save the plan', () => this.redis.set(this.keys.plan, encodePlan(plan)));
  }

  async loadPlan(): Promise<CapacityPlan | undefined> {
    const text = await this.guard('read the plan', () => this.redis.get(this.keys.plan));
    if (text === null) return undefined;
    try {
      return decodePlan(text, `redis:${this.keys.plan}`);
    } catch (error) {
      if (error instanceof InputError) throw new RuntimeFailure(`the plan stored in Redis is malformed: ${error.message}`);
      throw error;
    }
  }

  async saveForecasts(forecasts: Iterable<Forecast>): Promise<void> {
    const fields: string[] = [];
    const issued: string[] = [];
    for (const forecast of forecasts) {
      fields.push(forecast.workload, encodeForecast(forecast));
      issued.push(forecast.workload, String(forecast.issuedAtMs));
    }
    if (fields.length === 0) return;
    await this.guard('save forecasts', () => this.redis.multi().hset(this.keys.forecasts, ...fields).hset(this.keys.forecastIssuedAt, ...issued).exec());
  }

  /**
   * Stores each forecast unless the one stored is newer (a batch retried after a later refresh
   * stored its own): one Lua script per call, so the comparison and the write are atomic.
   * Returns how many were stored.
   */
  async saveForecastsIfNewer(forecasts: Iterable<Forecast>): Promise<number> {
    const args: string[] = [];
    for (const forecast of forecasts) args.push(forecast.workload, String(forecast.issuedAtMs), encodeForecast(forecast));
    if (args.length === 0) return 0;
    const stored = await this.guard('save forecasts', () => this.redis.eval(SAVE_IF_NEWER, 2, this.keys.forecasts, this.keys.forecastIssuedAt, ...args));
    return Number(stored);
  }

  async loadForecasts(): Promise<Map<string, Forecast>> {
    const entries = await this.guard('read forecasts', () => this.redis.hgetall(this.keys.forecasts));
    const forecasts = new Map<string, Forecast>();
    for (const [workload, text] of Object.entries(entries)) forecasts.set(workload, decodeForecast(text, `redis:${this.keys.forecasts}/${workload}`));
    return forecasts;
  }

  /**
   * The stored fits of `workloads` (demand-fit.ts). A fit that cannot be read back is left out and
   * named in `unreadable` (the caller says so; that workload is simply refit).
   */
  async loadDemandFits(workloads: readonly string[]): Promise<{ fits: Map<string, DemandFit>; unreadable: string[] }> {
    const fits = new Map<string, DemandFit>();
    const unreadable: string[] = [];
    if (workloads.length === 0) return { fits, unreadable };
    const texts = await this.guard('read forecast fits', () => this.redis.hmget(this.keys.demandFits, ...workloads));
    texts.forEach((text, index) => {
      const workload = workloads[index] as string;
      if (text === null) return;
      try {
        fits.set(workload, decodeDemandFit(text));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
        unreadable.push(`${workload}: ${error.bareMessage}`);
      }
    });
    return { fits, unreadable };
  }

  async saveDemandFits(fits: Iterable<DemandFit>): Promise<void> {
    const fields: string[] = [];
    for (const fit of fits) fields.push(fit.workload, encodeDemandFit(fit));
    if (fields.length === 0) return;
    await this.guard('save forecast fits', () => this.redis.hset(this.keys.demandFits, ...fields));
  }

  /** Records a controller condition (e.g. InputsLoaded); the latest per type wins. */
  async saveCondition(condition: ControllerCondition): Promise<void> {
    await this.guard('record a condition', () => this.redis.hset(this.keys.conditions, condition.type, JSON.stringify(condition)));
  }

  async loadConditions(): Promise<ControllerCondition[]> {
    const entries = await this.guard('read conditions', () => this.redis.hgetall(this.keys.conditions));
    return Object.values(entries).map((text) => JSON.parse(text) as ControllerCondition).sort((a, b) => a.type.localeCompare(b.type));
  }

  async markCycle(cycle: CycleName, atMs: number): Promise<void> {
    await this.guard('record a cycle', () => this.redis.hset(this.keys.cycles, cycle, String(atMs)));
  }

  /** When the cycle last completed (epoch ms), or undefined if never. */
  async lastCycle(cycle: CycleName): Promise<number | undefined> {
    const text = await this.guard('read cycles', () => this.redis.hget(this.keys.cycles, cycle));
    return text === null ? undefined : Number(text);
  }

  private async guard<Result>(what: string, run: () => Promise<Result>): Promise<Result> {
    try {
      return await run();
    } catch (error) {
      throw new RuntimeFailure(`Redis: cannot ${what}: ${(error as Error).message}`, { cause: error });
    }
  }
}
