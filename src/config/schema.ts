/**
 * The chuanliu config file (YAML): the inventory (online and offline workloads, node pools), where
 * the peak calendar is, and the settings of planning, forecasting, the reactive guard and the
 * controller. Field names in YAML are the names in error messages, so they are the documented ones.
 *
 * Defaults are stated with `@defaultValue` beside each field.
 */
import { z } from 'zod';
import { allowedOnPool, eligiblePools } from '../domain/pool-eligibility.ts';
import type { DemandSource, OfflineWorkload, OnlineWorkload, WorkloadRef } from '../domain/workload.ts';
import { HOUR_MS, MINUTE_MS, SECOND_MS, DAY_MS } from '../domain/units.ts';
import { GUARD_DEFAULTS } from '../domain/guard-defaults.ts';
import {
  durationSchema, instantSchema, nameSchema, positiveDurationSchema, resourcesSchema, unitIntervalSchema,
} from './units-schema.ts';
import { nodePoolSchema, schedulingFields, schedulingOf } from './pool-schema.ts';
import { traceLayoutFields } from './trace-layout-schema.ts';

export { nodePoolSchema } from './pool-schema.ts';

/** The Kubernetes object a workload scales. */
export const workloadRefSchema = z.strictObject({
  /** @defaultValue `Deployment` */
  kind: z.enum(['Deployment', 'StatefulSet', 'Job', 'CronJob']).default('Deployment'),
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name (lower-case letters, digits, -)'),
  /** @defaultValue the workload's name */
  name: z.string().min(1).optional(),
});

function toRef(ref: z.output<typeof workloadRefSchema>, workloadName: string): WorkloadRef {
  return { apiKind: ref.kind, namespace: ref.namespace, name: ref.name ?? workloadName };
}

/** Where an online workload's demand history comes from: a CSV trace or a Prometheus query. */
export const demandSourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('csv'),
    /** Relative paths are resolved against the config file's folder. */
    path: z.string().min(1),
    /** column (value), timeColumn, delimiter, timeFormat, timeZone: see trace-layout-schema.ts. */
    ...traceLayoutFields,
    /** @defaultValue 1 */
    scale: z.number().gt(0).default(1),
    /** Shift of the trace's timestamps, e.g. to replay last year's Double 11 on this year's date. @defaultValue 0s */
    timeShift: durationSchema.default(0),
  }),
  z.strictObject({
    kind: z.literal('prometheus'),
    /** PromQL returning requests/s, e.g. `sum(rate(http_requests_total{app="pay"}[1m]))`. */
    query: z.string().min(1),
  }),
]).transform((source): DemandSource => {
  if (source.kind === 'prometheus') return { kind: 'prometheus', query: source.query };
  const { kind, path, scale, timeShift, ...layout } = source;
  const given = Object.fromEntries(Object.entries(layout).filter(([, value]) => value !== undefined));
  return { kind, path, ...given, scale, timeShiftMs: timeShift };
});

const startupSchema = z.strictObject({
  /** Median time from scheduled to Ready. */
  p50: positiveDurationSchema,
  /** 95th percentile; lead times use it. */
  p95: positiveDurationSchema,
});

/** An online service: demand in requests/s, served by Ready replicas. */
export const onlineWorkloadSchema = z.strictObject({
  name: nameSchema,
  ref: workloadRefSchema,
  /** Name of an HPA that already manages the workload; chuanliu then raises its minReplicas floor. */
  hpa: z.string().min(1).optional(),
  /** Requests/s one Ready replica serves within its SLO. */
  rpsPerReplica: z.number().gt(0),
  perReplica: resourcesSchema,
  startup: startupSchema,
  /** @defaultValue 1 */
  minReplicas: z.number().int().min(0).default(1),
  maxReplicas: z.number().int().min(1),
  /** Higher is more important; under a capacity shortfall the lowest is degraded first. @defaultValue 100 */
  priority: z.number().int().default(100),
  /** Demand quantile to provision for, in (0, 1). @defaultValue 0.99 */
  demandQuantile: unitIntervalSchema.default(0.99),
  demand: demandSourceSchema.optional(),
  ...schedulingFields,
}).superRefine((workload, ctx) => {
  if (workload.minReplicas > workload.maxReplicas) {
    ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: `expected minReplicas ≤ maxReplicas (${workload.maxReplicas})` });
  }
  if (workload.startup.p50 > workload.startup.p95) {
    ctx.addIssue({ code: 'custom', path: ['startup', 'p50'], message: `expected startup.p50 ≤ startup.p95 (${workload.startup.p95} ms), got ${workload.startup.p50} ms` });
  }
}).transform((workload): OnlineWorkload => ({
  class: 'online',
  name: workload.name,
  ref: toRef(workload.ref, workload.name),
  ...(workload.hpa !== undefined ? { hpaName: workload.hpa } : {}),
  rpsPerReplica: workload.rpsPerReplica,
  perReplica: workload.perReplica,
  startup: { p50Ms: workload.startup.p50, p95Ms: workload.startup.p95 },
  minReplicas: workload.minReplicas,
  maxReplicas: workload.maxReplicas,
  priority: workload.priority,
  demandQuantile: workload.demandQuantile,
  ...(workload.demand !== undefined ? { demand: workload.demand } : {}),
  ...schedulingOf(workload),
}));

/** Preemptible batch work (analytics, settlement, reports, training). */
export const offlineWorkloadSchema = z.strictObject({
  name: nameSchema,
  ref: workloadRefSchema,
  /** Higher keeps its capacity longer when online needs it. @defaultValue 0 */
  priority: z.number().int().default(0),
  /** @defaultValue 0 */
  minReplicas: z.number().int().min(0).default(0),
  maxReplicas: z.number().int().min(1),
  perReplica: resourcesSchema,
  /** Work left, in core-hours of this workload's replicas. @defaultValue open-ended */
  workCoreHours: z.number().gt(0).optional(),
  /** ISO 8601 instant with offset by which the work must be done. @defaultValue none */
  deadline: instantSchema.optional(),
  /** Time a replica needs to drain or checkpoint before its resources are free. @defaultValue 30s */
  drain: durationSchema.default(30 * SECOND_MS),
  ...schedulingFields,
}).superRefine((workload, ctx) => {
  if (workload.minReplicas > workload.maxReplicas) {
    ctx.addIssue({ code: 'custom', path: ['minReplicas'], message: `expected minReplicas ≤ maxReplicas (${workload.maxReplicas})` });
  }
}).transform((workload): OfflineWorkload => ({
  class: 'offline',
  name: workload.name,
  ref: toRef(workload.ref, workload.name),
  priority: workload.priority,
  minReplicas: workload.minReplicas,
  maxReplicas: workload.maxReplicas,
  perReplica: workload.perReplica,
  ...(workload.workCoreHours !== undefined ? { workCoreHours: workload.workCoreHours } : {}),
  ...(workload.deadline !== undefined ? { deadlineMs: workload.deadline } : {}),
  drainMs: workload.drain,
  ...schedulingOf(workload),
}));

export const planningSchema = z.strictObject({
  /** Width of a plan slot. @defaultValue 1m */
  slot: positiveDurationSchema.default(MINUTE_MS),
  /** How far ahead a plan reaches. @defaultValue 6h */
  horizon: positiveDurationSchema.default(6 * HOUR_MS),
  /** From a step being due to the API write taking effect. @defaultValue 15s */
  applyLatency: durationSchema.default(15 * SECOND_MS),
  /** How long observed demand must stay low before scaling in. @defaultValue 5m */
  scaleInStabilization: durationSchema.default(5 * MINUTE_MS),
  /** Lead time for new nodes; @defaultValue the elastic pool's `provisioning` */
  nodeProvisioning: durationSchema.optional(),
}).prefault({});

export const forecastSettingsSchema = z.strictObject({
  /**
   * Quantiles to forecast, each in (0, 1). The workloads' demand quantiles and the guard's band
   * quantile are always added. @defaultValue [0.5, 0.9, 0.99]
   */
  quantiles: z.array(unitIntervalSchema).min(1).default([0.5, 0.9, 0.99]),
  /** Forecast bucket width. @defaultValue 1m */
  bucket: positiveDurationSchema.default(MINUTE_MS),
  /** History read before `now`. @defaultValue 28d */
  history: positiveDurationSchema.default(28 * DAY_MS),
  /**
   * A refresh reuses a workload's last fit (coefficients, error calibration) until it is between ½
   * and 1 × this old, and rebuilds only the base on the new history: ~15× cheaper. A fit that the
   * recent traffic has moved away from is refit at once. 0s = refit at every refresh. @defaultValue 24h
   */
  refitEvery: durationSchema.default(DAY_MS),
}).prefault({});

export const guardSchema = z.strictObject({
  /** The live rate is compared with this forecast quantile. @defaultValue 0.99 */
  bandQuantile: unitIntervalSchema.default(0.99),
  /** Samples above the band before the guard acts (one spike is noise). @defaultValue 3 */
  consecutiveSamples: z.number().int().min(1).default(GUARD_DEFAULTS.consecutiveSamples),
  /** @defaultValue 5s */
  sampleInterval: positiveDurationSchema.default(5 * SECOND_MS),
  /** Emergency capacity = observed rate × this factor. @defaultValue 1.2 */
  headroomFactor: z.number().min(1).default(GUARD_DEFAULTS.headroomFactor),
  /** A sample breaches above band × (1 + tolerance); it is calm at or below the band (the hysteresis between). @defaultValue 0.1 */
  tolerance: z.number().min(0).default(GUARD_DEFAULTS.toleranceFraction),
  /** Least time an emergency floor is held. @defaultValue see GUARD_DEFAULTS.coolDownMs */
  coolDown: durationSchema.default(GUARD_DEFAULTS.coolDownMs),
  /** Demand must stay inside the band this long before the floor is released. @defaultValue see GUARD_DEFAULTS.stabilizationMs */
  stabilization: durationSchema.default(GUARD_DEFAULTS.stabilizationMs),
  /**
   * The floor is sized on the rate this far ahead on its trend over the detection window (the
   * breaching samples), where that is above observed × headroom. 0s = size on the level only.
   * @defaultValue see GUARD_DEFAULTS.trendHorizonMs
   */
  trendHorizon: durationSchema.default(GUARD_DEFAULTS.trendHorizonMs),
}).prefault({});

/**
 * The freshness gate of the controller (`chuanliu controller`, `reconcile --once`): an online
 * workload whose Prometheus demand is missing or stale is held at its current level (no
 * scale-down) and offline work is capped, until fresh data returns.
 */
export const dataFreshnessSchema = z.strictObject({
  /** Newest demand sample older than this = stale. @defaultValue 5m (Prometheus' own staleness window) */
  maxSampleAge: positiveDurationSchema.default(5 * MINUTE_MS),
  /** How often the long-running controller checks. @defaultValue 30s */
  checkEvery: positiveDurationSchema.default(30 * SECOND_MS),
}).prefault({});

export const controllerSchema = z.strictObject({
  /** Namespaces chuanliu may write to. @defaultValue the namespaces of the configured workloads */
  namespaces: z.array(z.string().min(1)).min(1).optional(),
  /**
   * Largest replica change of one workload in one tick. A plan that asks for more is refused
   * (`step-too-large`, nothing written): a jump that large is more likely a broken forecast or
   * plan than a real peak. @defaultValue unlimited
   */
  maxStepReplicas: z.number().int().min(1).optional(),
  dataFreshness: dataFreshnessSchema,
}).prefault({});

/** The whole file, before paths are resolved. */
export const configFileSchema = z.strictObject({
  /** Path of the peak calendar, relative to this file. @defaultValue none (no calendar events) */
  calendar: z.string().min(1).optional(),
  planning: planningSchema,
  forecast: forecastSettingsSchema,
  guard: guardSchema,
  controller: controllerSchema,
  nodePools: z.array(nodePoolSchema).min(1),
  /** @defaultValue [] */
  online: z.array(onlineWorkloadSchema).default([]),
  /** @defaultValue [] */
  offline: z.array(offlineWorkloadSchema).default([]),
}).superRefine((config, ctx) => crossCheck(config, ctx));

type ConfigFile = z.output<typeof configFileSchema>;

function reportDuplicates(
  names: readonly string[],
  pathOf: (index: number) => PropertyKey[],
  what: string,
  ctx: z.RefinementCtx,
): void {
  const firstIndex = new Map<string, number>();
  names.forEach((name, index) => {
    const first = firstIndex.get(name);
    if (first === undefined) firstIndex.set(name, index);
    else ctx.addIssue({ code: 'custom', path: pathOf(index), message: `expected unique ${what} names, got "${name}" again (first at ${formatPath(pathOf(first))})` });
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index > 0 ? '.' : ''}${String(key)}`)).join('');
}

function crossCheck(config: ConfigFile, ctx: z.RefinementCtx): void {
  reportDuplicates(config.nodePools.map((pool) => pool.name), (index) => ['nodePools', index, 'name'], 'node pool', ctx);
  const workloads = [
    ...config.online.map((workload, index) => ({ workload, path: ['online', index] as PropertyKey[] })),
    ...config.offline.map((workload, index) => ({ workload, path: ['offline', index] as PropertyKey[] })),
  ];
  reportDuplicates(workloads.map(({ workload }) => workload.name), (index) => [...(workloads[index]?.path ?? []), 'name'], 'workload', ctx);

  const pools = new Map(config.nodePools.map((pool) => [pool.name, pool]));
  const poolNames = [...pools.keys()].join(', ');
  for (const { workload, path } of workloads) {
    if (workload.nodePool !== undefined && !pools.has(workload.nodePool)) {
      ctx.addIssue({ code: 'custom', path: [...path, 'nodePool'], message: `expected one of the node pools (${poolNames}), got "${workload.nodePool}"` });
      continue;
    }
    const allowed = config.nodePools.filter((pool) => allowedOnPool(workload, pool));
    if (allowed.length === 0) {
      const field = workload.nodeSelector !== undefined ? 'nodeSelector' : 'tolerations';
      ctx.addIssue({ code: 'custom', path: [...path, field], message: `expected scheduling constraints that some node pool satisfies (pools: ${poolNames}); no pool's labels and taints admit this workload` });
      continue;
    }
    if (eligiblePools(workload, config.nodePools).length === 0) {
      const where = allowed.length === 1 ? `pool "${(allowed[0] as { name: string }).name}"` : `a pool it may use (${allowed.map((pool) => pool.name).join(', ')})`;
      ctx.addIssue({ code: 'custom', path: [...path, 'perReplica'], message: `expected a replica that fits on one node of ${where}` });
    }
  }

  if (config.controller.namespaces !== undefined) {
    const allowed = new Set(config.controller.namespaces);
    for (const { workload, path } of workloads) {
      if (!allowed.has(workload.ref.namespace)) {
        ctx.addIssue({ code: 'custom', path: [...path, 'ref', 'namespace'], message: `expected a namespace listed in controller.namespaces (${config.controller.namespaces.join(', ')}), got "${workload.ref.namespace}"` });
      }
    }
  }

  const quantiles = config.forecast.quantiles;
  for (let index = 1; index < quantiles.length; index += 1) {
    if ((quantiles[index] as number) <= (quantiles[index - 1] as number)) {
      ctx.addIssue({ code: 'custom', path: ['forecast', 'quantiles', index], message: `expected quantiles in increasing order without repeats (previous is ${quantiles[index - 1]})` });
    }
  }
  if (config.planning.horizon < config.planning.slot) {
    ctx.addIssue({ code: 'custom', path: ['planning', 'horizon'], message: `expected a horizon of at least one slot (${config.planning.slot} ms)` });
  }
  if (config.planning.slot % config.forecast.bucket !== 0) {
    ctx.addIssue({ code: 'custom', path: ['planning', 'slot'], message: `expected a slot that is a whole number of forecast buckets (${config.forecast.bucket} ms)` });
  }
}
