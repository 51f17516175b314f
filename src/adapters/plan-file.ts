/**
 * A CapacityPlan as a JSON file (`chuanliu apply --plan plan.json`, the controller's `--plan`, the
 * plan kept in Redis). Typed arrays become plain arrays, NaN becomes null, so any tool can read and
 * edit the file; decoding validates every field with zod and reports bad files as InputError
 * (exit 2) naming the file, the line and the field, every problem at once.
 *
 * The document is `{ "apiVersion": "chuanliu.io/v1", "kind": "CapacityPlan", ...plan }`; the plan's
 * own field names are kept, so `replicas.pay[12]` in a message is `plan.replicas.pay[12]` in code.
 */
import { z } from 'zod';
import { readInputFile } from '../config/load-config.ts';
import { issuesToProblems, parseLocatedYaml, problemsToError } from '../config/validate-yaml.ts';
import { InputError } from '../domain/errors.ts';
import { SLOT_CAUSES, type CapacityPlan, type ReasonCode } from '../domain/plan.ts';

export const PLAN_API_VERSION = 'chuanliu.io/v1';
export const PLAN_KIND = 'CapacityPlan';

const REASON_CODES = [
  'forecast-increase', 'event-start', 'offline-release', 'offline-restore', 'scale-in-after-peak', 'brownout',
  'node-provision', 'node-release', 'guard-emergency',
] as const satisfies readonly ReasonCode[];

const epochMs = z.number().int();
const count = z.number().int().min(0);
const int32Array = z.array(z.number().int()).transform((values) => Int32Array.from(values));
const replicaArray = z.array(count).transform((values) => Int32Array.from(values));
const uint8Array = z.array(z.number().int().min(0).max(255)).transform((values) => Uint8Array.from(values));
const float32Array = z.array(z.number().nullable()).transform((values) => Float32Array.from(values, (value) => value ?? Number.NaN));
const float64Array = z.array(z.number().nullable()).transform((values) => Float64Array.from(values, (value) => value ?? Number.NaN));
/** Work left in core-hours; open-ended work (no workCoreHours) is Infinity, which JSON writes as null. */
const coreHoursLeft = z.number().min(0).nullable().transform((value) => value ?? Number.POSITIVE_INFINITY);

const stepSchema = z.strictObject({
  id: z.string().min(1),
  workload: z.string().min(1),
  effectiveAtMs: epochMs,
  readyByMs: epochMs,
  fromReplicas: count,
  toReplicas: count,
  direction: z.enum(['release', 'acquire']),
  reason: z.enum(REASON_CODES),
  message: z.string(),
  subject: z.enum(['workload', 'node-pool']).optional(),
  leadMs: z.number().min(0).optional(),
  lateByMs: z.number().min(0).optional(),
});

const workloadDetailSchema = z.strictObject({
  class: z.enum(['online', 'offline']),
  pool: z.string(),
  pools: z.array(z.string()).optional(),
  poolReplicas: z.record(z.string(), replicaArray).optional(),
  priority: z.number(),
  minReplicas: count,
  maxReplicas: count,
  causes: uint8Array.refine((causes) => causes.every((cause) => cause < SLOT_CAUSES.length), `expected cause indexes below ${SLOT_CAUSES.length}`),
  demandRps: float32Array.optional(),
  quantile: z.number().optional(),
  rpsPerReplica: z.number().optional(),
  needReplicas: int32Array.optional(),
  needBeforeStartReplicas: int32Array.optional(),
  lead: z.strictObject({ totalMs: z.number(), applyMs: z.number(), startupP95Ms: z.number(), nodeProvisioningMs: z.number() }).optional(),
  drainMs: z.number().optional(),
});

const poolDetailSchema = z.strictObject({
  nodesNeeded: int32Array,
  nodesNeededBeforeStart: int32Array.optional(),
  minNodes: count,
  maxNodes: count,
  provisioningMs: z.number(),
  onlineCpuMillicores: float64Array,
  offlineCpuMillicores: float64Array,
  capacityCpuMillicores: float64Array,
});

const explanationSchema = z.strictObject({
  scaleInStabilizationMs: z.number(),
  applyLatencyMs: z.number(),
  displayTimeZone: z.string(),
  workloads: z.record(z.string(), workloadDetailSchema),
  pools: z.record(z.string(), poolDetailSchema),
  occurrences: z.array(z.strictObject({ label: z.string(), startMs: epochMs, endMs: epochMs, workloads: z.array(z.string()) })),
});

export const planFileSchema = z.strictObject({
  apiVersion: z.literal(PLAN_API_VERSION),
  kind: z.literal(PLAN_KIND),
  id: z.string().min(1),
  createdAtMs: epochMs,
  startMs: epochMs,
  slotMs: z.number().int().positive(),
  slotCount: z.number().int().positive(),
  replicas: z.record(z.string().min(1), replicaArray),
  nodes: z.record(z.string().min(1), replicaArray),
  placeholders: z.record(z.string().min(1), replicaArray).optional(),
  steps: z.array(stepSchema),
  shortfalls: z.array(z.strictObject({ slotIndex: count, workload: z.string(), missingReplicas: count, message: z.string() })),
  brownoutOrder: z.array(z.string()),
  offlineOutlook: z.array(z.strictObject({
    workload: z.string(),
    remainingCoreHoursAtStart: coreHoursLeft,
    remainingCoreHoursAtEnd: coreHoursLeft,
    deadlineMs: epochMs.optional(),
    deadlineMet: z.boolean().optional(),
    missingCoreHoursAtDeadline: z.number().optional(),
    prioritizedForDeadline: z.boolean(),
    message: z.string(),
  })).optional(),
  notes: z.array(z.string()).optional(),
  explanation: explanationSchema.optional(),
}).superRefine((plan, ctx) => {
  // Every slot array covers the whole horizon, so the controller never reads past one.
  for (const key of ['replicas', 'nodes', 'placeholders'] as const) {
    for (const [name, series] of Object.entries(plan[key] ?? {})) {
      if (series.length !== plan.slotCount) {
        ctx.addIssue({ code: 'custom', path: [key, name], message: `expected ${plan.slotCount} slots (slotCount), got ${series.length}` });
      }
    }
  }
  const seen = new Set<string>();
  plan.steps.forEach((step, index) => {
    if (seen.has(step.id)) ctx.addIssue({ code: 'custom', path: ['steps', index, 'id'], message: `expected unique step ids, got "${step.id}" again` });
    seen.add(step.id);
    // effectiveAtMs may be after readyByMs: a step the planner could only write late (lateByMs).
  });
});

/** The plan as JSON text; `space` indents (the Redis copy is compact, files are indented). */
export function encodePlan(plan: CapacityPlan, space?: number): string {
  return JSON.stringify({ apiVersion: PLAN_API_VERSION, kind: PLAN_KIND, ...plan }, (_key, value: unknown) => {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      return Array.from(value as unknown as ArrayLike<number>, (entry) => (Number.isFinite(entry) ? entry : null));
    }
    if (typeof value === 'number' && !Number.isFinite(value)) return null;
    return value;
  }, space);
}

/**
 * Parses and validates plan JSON. Throws InputError listing every problem as
 * `source:line: field: expected …, got …` (lines are found only on this error path, so decoding a
 * large valid plan stays fast).
 */
export function decodePlan(text: string, source: string): CapacityPlan {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    // V8 names the offset ("… in JSON at position 812"); a cut-off file ends at its last line.
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message)?.[1];
    const line = text.slice(0, position === undefined ? text.length : Number(position)).split('\n').length;
    throw new InputError(`expected a JSON plan (as written by \`chuanliu plan -o json\`): ${message}`, { source, line });
  }
  const result = planFileSchema.safeParse(document, { reportInput: true });
  if (!result.success) {
    // JSON is YAML: re-parse with positions to locate each problem.
    throw problemsToError(issuesToProblems(parseLocatedYaml(text, source), result.error.issues, planFileSchema));
  }
  const { apiVersion: _apiVersion, kind: _kind, ...plan } = result.data;
  return withoutUndefined(plan) as CapacityPlan;
}

/** Reads and decodes a plan file; a missing file is bad input naming the path. */
export async function readPlanFile(path: string): Promise<CapacityPlan> {
  return decodePlan(await readInputFile(path, 'plan'), path);
}

/** zod leaves absent optionals out already; this only drops explicit `undefined`s from spreads. */
function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as T;
}
