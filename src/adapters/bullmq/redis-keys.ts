import { InputError } from '../../domain/errors.ts';

/**
 * Every Redis key chuanliu writes, under one prefix (`--redis-prefix`, default `chuanliu`) so several
 * controllers (clusters, test runs) can share a Redis without seeing each other's state.
 */
export interface RedisKeys {
  /** BullMQ's key prefix (BullMQ appends `:<queue>:…`). */
  readonly bullmqPrefix: string;
  /** Hash stepId → 1: the first record of a step wins (HSETNX). */
  appliedSet(planId: string): string;
  /** List of applied-step records (JSON) in the order they were first marked. */
  appliedList(planId: string): string;
  /** The plan the controller follows (plan-file JSON). */
  readonly plan: string;
  /** Hash workload → forecast JSON. */
  readonly forecasts: string;
  /** Hash workload → issuedAtMs of its stored forecast (a late batch never overwrites a newer one). */
  readonly forecastIssuedAt: string;
  /** Hash workload → its last forecast fit (demand-fit.ts), reused by later refreshes until due. */
  readonly demandFits: string;
  /** Hash batch id → outcome JSON of one spread forecast refresh (forecast-workers.ts). */
  forecastRefresh(refreshId: string): string;
  /** Hash of cycle bookkeeping: when forecasts and plans were last refreshed. */
  readonly cycles: string;
  /** Leader lease: one controller applies at a time. */
  readonly leader: string;
  /** Hash condition type → JSON: the controller's conditions (`chuanliu status` shows them). */
  readonly conditions: string;
}

export function redisKeys(prefix = 'chuanliu'): RedisKeys {
  // The prefix comes from the command line (--redis-prefix): a bad one is bad input (exit 2).
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(prefix)) throw new InputError(`redis prefix must be letters, digits, _, . or -, got "${prefix}"`, { source: '--redis-prefix' });
  return {
    bullmqPrefix: `${prefix}-bull`,
    appliedSet: (planId) => `${prefix}:applied:${planId}:ids`,
    appliedList: (planId) => `${prefix}:applied:${planId}:records`,
    plan: `${prefix}:state:plan`,
    forecasts: `${prefix}:state:forecasts`,
    forecastIssuedAt: `${prefix}:state:forecast-issued-at`,
    demandFits: `${prefix}:state:demand-fits`,
    forecastRefresh: (refreshId) => `${prefix}:forecast-refresh:${refreshId}`,
    cycles: `${prefix}:state:cycles`,
    leader: `${prefix}:leader`,
    conditions: `${prefix}:state:conditions`,
  };
}
