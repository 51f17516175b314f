/**
 * The scenario file (sim/*.yaml). The inventory uses the config's own schemas (src/config), so a
 * scenario's workloads read exactly like a config's; `config:` may instead point at a config file.
 *
 * ```yaml
 * name: nasa-launch-day
 * description: …
 * seed: 7                       # @defaultValue 1
 * tick: 1s                      # @defaultValue 1s
 * start: 1995-07-13T00:00:00-04:00
 * end: 1995-07-14T00:00:00-04:00
 * calendar: calendars/sts-70.yaml   # optional: events (scored "at event starts", shaded in reports)
 * config: config.double11.yaml      # or nodePools/online/offline inline
 * nodePools: […]                    # as in the config
 * online: […]
 * offline: […]
 * traffic:                          # one entry per online workload
 *   - workload: web
 *     trace: { path: traces/…csv, scale: 40, timeShift: 0s, bucket: 1m, interpolation: linear, noise: poisson }
 *   - workload: payment
 *     synthetic: { baseline: { meanRps: 4000, dailyAmplitude: 0.5, peakHour: 20, timeZone: Asia/Shanghai }, noiseCv: 0.03 }
 *     queue: { capacityRequests: 5000, timeout: 2s }
 * strategies:                       # settings per strategy (each strategy's own schema)
 *   hpa: { metric: cpu, targetUtilization: 70 }
 *   keda-cron: { floors: [{ workload: web, start: …, end: …, desiredReplicas: 30 }] }
 * metricsPipeline: { syncPeriod: 15s, metricResolution: 15s, kubeletMaxAge: 10s }
 * autoscaler: { scanInterval: 10s, scaleDownUnneeded: 10m }
 * observedLag: 30s
 * peakEvents:                       # short-notice events (announced-events.ts)
 *   - announcedAt: 2026-11-11T22:15:00+08:00
 *     event: { apiVersion: chuanliu.io/v1alpha1, kind: PeakEvent, metadata: { name: flash-2240 }, spec: { … } }
 * ```
 */
import { z } from 'zod';
import { durationSchema, instantSchema, nameSchema, positiveDurationSchema } from '../config/units-schema.ts';
import { timeZoneSchema } from '../calendar/schema.ts';
import { traceLayoutFields } from '../config/trace-layout-schema.ts';
import { formatDurationMs } from '../domain/units.ts';

/**
 * Most ticks a scenario may have (23 days at 1 s, 3.8 years at 1 min). A typo'd year in `end`
 * would otherwise make the loader build billions of ticks and hang instead of saying so.
 */
export const MAX_SCENARIO_TICKS = 2_000_000;

const interpolationSchema = z.enum(['linear', 'step']);
const noiseSchema = z.enum(['poisson', 'none']);

export const traceTrafficSchema = z.strictObject({
  /** CSV trace, relative to the scenario file. */
  path: z.string().min(1),
  /** column, timeColumn, delimiter, timeFormat and timeZone (@defaultValue the shipped trace's zone, else UTC). */
  ...traceLayoutFields,
  /** Multiplies the rate (traces are often far smaller than the service simulated). @defaultValue 1 */
  scale: z.number().gt(0).default(1),
  /** Added to the trace's timestamps: replay 1995-07-13 as if it were the scenario's day. @defaultValue 0s */
  timeShift: z.union([durationSchema, z.string().regex(/^-/).transform((text, ctx) => {
    const parsed = durationSchema.safeParse(text.slice(1));
    if (!parsed.success) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration such as 1h or -2d' });
      return z.NEVER;
    }
    return -parsed.data;
  })]).default(0),
  /** Resample the trace to this bucket first (time-weighted mean). @defaultValue the file's step */
  bucket: positiveDurationSchema.optional(),
  /** @defaultValue linear */
  interpolation: interpolationSchema.default('linear'),
  /** @defaultValue poisson */
  noise: noiseSchema.default('poisson'),
});

export const syntheticTrafficSchema = z.strictObject({
  /** Peak calendar driving the events. @defaultValue the scenario's calendar */
  calendar: z.string().min(1).optional(),
  baseline: z.strictObject({
    meanRps: z.number().min(0),
    /** In [0, 1). */
    dailyAmplitude: z.number().min(0).lt(1),
    /** Local hour (0–24) of the daily top. */
    peakHour: z.number().min(0).max(24),
    timeZone: timeZoneSchema,
    /** In [0, 1). @defaultValue 0 */
    weeklyAmplitude: z.number().min(0).lt(1).default(0),
  }),
  /** Multiplicative lognormal noise per step (coefficient of variation). @defaultValue 0.03 */
  noiseCv: z.number().min(0).default(0.03),
  /** Step of the generated series. @defaultValue 1s */
  step: positiveDurationSchema.default(1_000),
  /** @defaultValue poisson */
  noise: noiseSchema.default('poisson'),
});

export const trafficEntrySchema = z.strictObject({
  workload: nameSchema,
  trace: traceTrafficSchema.optional(),
  synthetic: syntheticTrafficSchema.optional(),
  /** A bounded queue in front of the service: waiting requests are served late, not lost, until the timeout. */
  queue: z.strictObject({
    capacityRequests: z.number().int().min(1),
    timeout: positiveDurationSchema,
  }).optional(),
}).superRefine((entry, ctx) => {
  if ((entry.trace === undefined) === (entry.synthetic === undefined)) {
    ctx.addIssue({ code: 'custom', path: [], message: 'expected exactly one of `trace` or `synthetic`' });
  }
});

export const scenarioFileSchema = z.strictObject({
  name: nameSchema,
  /** @defaultValue "" */
  description: z.string().default(''),
  /** @defaultValue 1 */
  seed: z.number().int().default(1),
  /** @defaultValue 1s */
  tick: positiveDurationSchema.default(1_000),
  start: instantSchema,
  end: instantSchema,
  calendar: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  // Validated with the config's schema (and its cross-checks) once the structure is known.
  nodePools: z.unknown().optional(),
  online: z.unknown().optional(),
  offline: z.unknown().optional(),
  traffic: z.array(trafficEntrySchema).min(1),
  /** Validated by each strategy's own schema. */
  strategies: z.record(z.string(), z.unknown()).default({}),
  metricsPipeline: z.strictObject({
    syncPeriod: positiveDurationSchema.optional(),
    metricResolution: positiveDurationSchema.optional(),
    kubeletMaxAge: durationSchema.optional(),
    window: positiveDurationSchema.optional(),
    cpuInitializationPeriod: durationSchema.optional(),
    initialReadinessDelay: durationSchema.optional(),
  }).optional(),
  autoscaler: z.strictObject({
    scanInterval: positiveDurationSchema.optional(),
    scaleDownUnneeded: durationSchema.optional(),
  }).optional(),
  /** @defaultValue 30s */
  observedLag: durationSchema.default(30_000),
  /**
   * Short-notice events: a PeakEvent object (as `chuanliu event add` creates it) and when it was
   * announced. The traffic follows it; calendar-reading strategies learn of it only then.
   */
  peakEvents: z.array(z.strictObject({
    announcedAt: instantSchema,
    // The PeakEvent's own fields are checked by its parser (calendar/peak-event.ts), naming them.
    event: z.looseObject({ apiVersion: z.string().optional(), kind: z.string().optional(), metadata: z.looseObject({ name: z.string(), namespace: z.string().optional() }), spec: z.unknown() }),
  })).default([]),
}).superRefine((file, ctx) => {
  if (!(file.end > file.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'expected an end after the start' });
  const ticks = Math.ceil((file.end - file.start) / file.tick);
  if (ticks > MAX_SCENARIO_TICKS) {
    ctx.addIssue({
      code: 'custom', path: ['end'],
      message: `expected at most ${MAX_SCENARIO_TICKS.toLocaleString('en-US')} ticks (${formatDurationMs(MAX_SCENARIO_TICKS * file.tick)} at tick ${formatDurationMs(file.tick)}), got ${ticks.toLocaleString('en-US')}: check the year of \`end\`, or use a longer \`tick\``,
    });
  }
  if (file.config !== undefined) {
    for (const key of ['nodePools', 'online', 'offline'] as const) {
      if (file[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `expected no ${key} here: the scenario takes its inventory from config (${file.config})` });
      }
    }
  } else if (file.nodePools === undefined) {
    ctx.addIssue({ code: 'custom', path: ['nodePools'], message: 'expected nodePools (or a config file with them)' });
  }
});

export type ScenarioFile = z.output<typeof scenarioFileSchema>;
export type TraceTraffic = z.output<typeof traceTrafficSchema>;
export type SyntheticTraffic = z.output<typeof syntheticTrafficSchema>;
