/**
 * Operators' floors with an expiry, read from the workload itself:
 *
 *   kubectl annotate deploy/payment chuanliu.io/override-min-replicas=40 \
 *     chuanliu.io/override-until=2026-11-11T21:30:00+08:00
 *
 * (`chuanliu override payment --min 40 --until 21:30` writes exactly these.) While `until` is in
 * the future the floor joins the reactive guard's as a TargetOverride (the plan still applies
 * where it asks for more); once past, it stops applying by itself — nothing needs to remove it.
 * A floor above the workload's maximum is held to the maximum (a refused tick would hold every
 * other workload too). Pure: the time is an input.
 */
import type { Inventory, Workload } from '../domain/workload.ts';
import type { ClusterSnapshot } from '../ports/cluster.ts';
import type { TargetOverride } from './decision.ts';
import { refKey } from './safety.ts';

export const OVERRIDE_MIN_ANNOTATION = 'chuanliu.io/override-min-replicas';
export const OVERRIDE_UNTIL_ANNOTATION = 'chuanliu.io/override-until';
/** Who set it and why (free text, shown in status and Events). */
export const OVERRIDE_BY_ANNOTATION = 'chuanliu.io/override-by';

export interface OperatorOverride {
  readonly workload: string;
  readonly minReplicas: number;
  readonly untilMs: number;
  readonly by?: string;
}

export interface OperatorOverrides {
  readonly active: readonly OperatorOverride[];
  readonly expired: readonly OperatorOverride[];
  /** Annotations that do not parse: ignored (no floor), said in an Event and the log. */
  readonly invalid: ReadonlyArray<{ readonly workload: string; readonly message: string }>;
  /** The active ones as floors for decide-writes. */
  readonly floors: readonly TargetOverride[];
}

export const NO_OVERRIDES: OperatorOverrides = { active: [], expired: [], invalid: [], floors: [] };

/** Parses the two annotations; a message says what is wrong. */
export function parseOverrideAnnotations(annotations: Readonly<Record<string, string>>): { min: number; untilMs: number } | { error: string } | undefined {
  const minText = annotations[OVERRIDE_MIN_ANNOTATION];
  const untilText = annotations[OVERRIDE_UNTIL_ANNOTATION];
  if (minText === undefined && untilText === undefined) return undefined;
  if (minText === undefined || untilText === undefined) {
    return { error: `${OVERRIDE_MIN_ANNOTATION} and ${OVERRIDE_UNTIL_ANNOTATION} go together; only one is set` };
  }
  if (!/^\d+$/.test(minText.trim())) return { error: `${OVERRIDE_MIN_ANNOTATION}: "${minText}" is not a whole number of replicas` };
  const untilMs = Date.parse(untilText);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(untilText) || !Number.isFinite(untilMs)) return { error: `${OVERRIDE_UNTIL_ANNOTATION}: "${untilText}" is not an RFC 3339 time` };
  return { min: Number(minText.trim()), untilMs };
}

export function operatorOverrides(input: { snapshot: ClusterSnapshot; inventory: Inventory; nowMs: number }): OperatorOverrides {
  const { snapshot, inventory, nowMs } = input;
  const byRef = new Map<string, Workload>([...inventory.online, ...inventory.offline].map((workload) => [refKey(workload.ref), workload] as const));
  const active: OperatorOverride[] = [];
  const expired: OperatorOverride[] = [];
  const invalid: Array<{ workload: string; message: string }> = [];
  const floors: TargetOverride[] = [];
  for (const state of snapshot.workloads) {
    const workload = byRef.get(refKey(state.ref));
    if (workload === undefined) continue;
    const parsed = parseOverrideAnnotations(state.annotations);
    if (parsed === undefined) continue;
    if ('error' in parsed) {
      invalid.push({ workload: workload.name, message: `${workload.name}: override ignored: ${parsed.error}` });
      continue;
    }
    const by = state.annotations[OVERRIDE_BY_ANNOTATION];
    const override: OperatorOverride = { workload: workload.name, minReplicas: parsed.min, untilMs: parsed.untilMs, ...(by !== undefined ? { by } : {}) };
    if (parsed.untilMs <= nowMs) {
      expired.push(override);
      continue;
    }
    active.push(override);
    const replicas = Math.min(parsed.min, workload.maxReplicas);
    const until = new Date(parsed.untilMs).toISOString();
    floors.push({
      workload: workload.name,
      kind: 'floor',
      replicas,
      stepId: `override/${workload.name}/${parsed.untilMs}`,
      reason: 'operator-override',
      message: `operator override${by !== undefined ? ` by ${by}` : ''}: at least ${replicas} until ${until}${replicas < parsed.min ? ` (asked ${parsed.min}, held to the maximum ${workload.maxReplicas})` : ''}`,
    });
  }
  return { active, expired, invalid, floors };
}
