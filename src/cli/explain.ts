/**
 * `chuanliu explain <workload> --at <time>`: one slot of a plan and why — the target, the step that
 * set it (written when, Ready by when), the planner's reason, and with `--config` the forecast
 * behind it split into its peak components. The plan is either made now from the same inputs as
 * `chuanliu plan` (`--config …`) or read from a stored plan file (`--plan plan.json`).
 *
 * `--at` takes an ISO 8601 instant with offset, a local date-time (`2026-11-11T20:00`) or a wall
 * time (`20:00`, the first such time at or after the plan's start), both in the display zone.
 */
import type { Command } from 'commander';
import { readPlanFile } from '../adapters/plan-file.ts';
import { InputError } from '../domain/errors.ts';
import type { Forecast } from '../domain/forecast.ts';
import type { CapacityPlan, PlanStep } from '../domain/plan.ts';
import { addLocalDays, epochMsToLocal, isValidTimeZone, localToEpochMs } from '../domain/time-zones.ts';
import { explain, planCapacity, type SlotExplanation } from '../planner/index.ts';
import { formatLocalDateTime, formatLocalTime, formatPercent, formatRps, paint, quantileLabel, shouldUseColor } from '../report/index.ts';
import { loadPlanningInputs } from '../runtime/planning-source/planning-inputs.ts';
import { addPlanningInputFlags, parseInstantFlag, planningRequestFromFlags, type PlanningFlags } from './planning-flags.ts';
import { describeInputs } from './plan.ts';

interface ExplainFlags extends PlanningFlags {
  at: string;
  plan?: string;
  output: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function registerExplainCommand(program: Command): void {
  const command = program
    .command('explain')
    .description('Why a workload (or node pool) has its planned target at a time: the step, the reason, the forecast components')
    .argument('<workload>', 'online or offline workload, or node pool, of the plan');
  addPlanningInputFlags(command, { configRequired: false })
    .requiredOption('--at <time>', 'the slot to explain: 2026-11-11T20:00:00+08:00, 2026-11-11T20:00 or 20:00 (local times in --tz or the plan\'s zone)')
    .option('--plan <json>', 'explain a stored plan (written by `chuanliu plan -o json`) instead of planning from --config')
    .option('-o, --output <format>', `stdout format: ${OUTPUT_FORMATS.join(' | ')}`, 'table')
    .action(async (workload: string, flags: ExplainFlags) => {
      const output = parseOutput(flags.output);
      const { plan, forecasts } = await obtainPlan(flags);
      const timeZone = flags.tz ?? plan.explanation?.displayTimeZone ?? 'UTC';
      checkWorkload(plan, workload);
      const atMs = parseAtTime(flags.at, timeZone, plan);
      const explanation = explain(plan, workload, atMs);
      const forecast = forecastAtSlot(forecasts.find((item) => item.workload === workload), explanation, plan.slotMs);
      process.stdout.write(output === 'json'
        ? `${JSON.stringify(explanationJson(plan, explanation, forecast), null, 2)}\n`
        : `${renderExplanation(explanation, forecast, { timeZone, color: shouldUseColor(process.stdout) })}\n`);
    });
}

function parseOutput(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new InputError(`"${value}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
}

async function obtainPlan(flags: ExplainFlags): Promise<{ plan: CapacityPlan; forecasts: readonly Forecast[] }> {
  if (flags.tz !== undefined && !isValidTimeZone(flags.tz)) {
    throw new InputError(`unknown time zone "${flags.tz}"; expected an IANA name such as Asia/Shanghai`, { source: '--tz' });
  }
  if (flags.plan !== undefined) {
    const planningOnly: [string, boolean][] = [
      ['--config', flags.config !== undefined], ['--now', flags.now !== undefined], ['--horizon', flags.horizon !== undefined],
      ['--slot', flags.slot !== undefined], ['--history', (flags.history ?? []).length > 0], ['--prometheus-url', flags.prometheusUrl !== undefined],
      ['--history-tz', flags.historyTz !== undefined], ['--time-column', flags.timeColumn !== undefined], ['--value-column', flags.valueColumn !== undefined],
      ['--delimiter', flags.delimiter !== undefined], ['--time-format', flags.timeFormat !== undefined],
    ];
    const clash = planningOnly.find(([, given]) => given);
    if (clash !== undefined) throw new InputError(`${clash[0]} makes a new plan; it cannot be combined with --plan (a stored plan)`, { source: clash[0] });
    return { plan: await readPlanFile(flags.plan), forecasts: [] };
  }
  if (flags.config === undefined) {
    throw new InputError('expected --config <yaml> (plan from the config and its histories) or --plan <json> (a stored plan)', { source: '--config' });
  }
  const inputs = await loadPlanningInputs(flags.config, planningRequestFromFlags(flags, () => Date.now()));
  process.stderr.write(describeInputs(inputs, inputs.input.settings.displayTimeZone ?? 'UTC'));
  return { plan: planCapacity(inputs.input), forecasts: inputs.forecasts };
}

function checkWorkload(plan: CapacityPlan, workload: string): void {
  if (plan.replicas[workload] !== undefined || plan.nodes[workload] !== undefined) return;
  const names = [...Object.keys(plan.replicas).sort(), ...Object.keys(plan.nodes).sort().map((pool) => `${pool} (node pool)`)];
  throw new InputError(`"${workload}" is not in plan ${plan.id}; it has: ${names.join(', ')}`, { source: '<workload>' });
}

const WALL_TIME = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/;

/**
 * `--at` as an instant inside the plan. A bare wall time is the first time the clock in `timeZone`
 * shows it at or after the plan's start (so `20:00` means this evening's 20:00 in a plan from 17:00).
 */
export function parseAtTime(text: string, timeZone: string, plan: Pick<CapacityPlan, 'id' | 'startMs' | 'slotMs' | 'slotCount'>): number {
  const wall = WALL_TIME.exec(text.trim());
  let atMs: number;
  if (wall !== null) {
    const [hour, minute, second] = [Number(wall[1]), Number(wall[2]), Number(wall[3] ?? 0)];
    if (hour > 23 || minute > 59 || second > 59) throw new InputError(`"${text}" is not a time of day; expected HH:MM or HH:MM:SS`, { source: '--at' });
    const startLocal = epochMsToLocal(plan.startMs, timeZone);
    atMs = localToEpochMs({ year: startLocal.year, month: startLocal.month, day: startLocal.day, hour, minute, second }, timeZone);
    if (atMs < plan.startMs) atMs = localToEpochMs(addLocalDays({ ...startLocal, hour, minute, second }, 1), timeZone);
  } else {
    atMs = parseInstantFlag(text, '--at', timeZone);
  }
  const endMs = plan.startMs + plan.slotCount * plan.slotMs;
  if (atMs < plan.startMs || atMs >= endMs) {
    throw new InputError(
      `${formatLocalDateTime(atMs, timeZone)} is outside plan ${plan.id}, which covers ${formatLocalDateTime(plan.startMs, timeZone)} → ${formatLocalTime(endMs, { timeZone })}`,
      { source: '--at' },
    );
  }
  return atMs;
}

/** The forecast behind an online slot: its bands and components at the slot's highest bucket. */
export interface ForecastAtSlot {
  readonly model: string;
  readonly bucketStartMs: number;
  readonly quantiles: readonly { readonly quantile: number; readonly rps: number }[];
  /** Components with a non-zero contribution, largest first. */
  readonly components: readonly { readonly name: string; readonly kind: string; readonly rps: number; readonly sharePercent: number }[];
}

export function forecastAtSlot(forecast: Forecast | undefined, explanation: SlotExplanation, slotMs: number): ForecastAtSlot | undefined {
  if (forecast === undefined || explanation.kind !== 'online') return undefined;
  const top = forecast.bands[forecast.bands.length - 1];
  if (top === undefined) return undefined;
  // The planner provisions for the largest band value over the slot's buckets: show that bucket.
  const first = Math.max(0, Math.floor((explanation.slotStartMs - forecast.startMs) / forecast.stepMs));
  const last = Math.min(top.length - 1, Math.ceil((explanation.slotStartMs + slotMs - forecast.startMs) / forecast.stepMs) - 1);
  let bucket = -1;
  for (let index = first; index <= last; index++) {
    if (Number.isFinite(top[index]) && (bucket < 0 || (top[index] as number) > (top[bucket] as number))) bucket = index;
  }
  if (bucket < 0) return undefined;
  const values = forecast.components.map((component) => component.values[bucket] as number);
  const total = values.reduce((sum, value) => sum + (Number.isFinite(value) ? Math.max(0, value) : 0), 0);
  return {
    model: forecast.model,
    bucketStartMs: forecast.startMs + bucket * forecast.stepMs,
    quantiles: forecast.quantiles.map((quantile, k) => ({ quantile, rps: forecast.bands[k]?.[bucket] as number })),
    components: forecast.components
      .map((component, index) => ({ name: component.name, kind: component.kind, rps: values[index] as number }))
      .filter((component) => Number.isFinite(component.rps) && Math.abs(component.rps) >= 0.5)
      .sort((a, b) => b.rps - a.rps)
      .map((component) => ({ ...component, sharePercent: total > 0 ? (Math.max(0, component.rps) / total) * 100 : 0 })),
  };
}

/** The headline reads like a sentence: `payment: 230 replicas at 11-11 20:00 (step written 19:59:00, Ready by 20:00:00): …`. */
export function renderExplanation(explanation: SlotExplanation, forecast: ForecastAtSlot | undefined, options: { timeZone: string; color: boolean }): string {
  const { timeZone, color } = options;
  const unit = explanation.kind === 'node-pool' ? 'nodes' : 'replicas';
  const setter = explanation.steps[0];
  // The level in force during the slot was written by `setter`; its own ready-by may be a later slot
  // (online levels include the lead of the next increase).
  const timing = setter === undefined ? '' : ` (step written ${clock(setter.effectiveAtMs, timeZone)}, Ready by ${clock(setter.readyByMs, timeZone)})`;
  // explain() words its message "<head> — <reason>"; the head is restated here with the step's timing.
  const separator = explanation.message.indexOf(' — ');
  const reason = separator >= 0 ? explanation.message.slice(separator + 3) : explanation.message;
  const lines = [
    `${paint(`${explanation.workload}: ${explanation.targetReplicas} ${unit} at ${formatLocalTime(explanation.slotStartMs, { timeZone })}`, 'bold', color)}${timing}: ${reason}`,
  ];
  if (explanation.cause !== undefined) lines.push(`  cause: ${explanation.cause}${explanation.needReplicas !== undefined ? `; the demand alone needs ${explanation.needReplicas}` : ''}`);
  for (const step of explanation.steps) lines.push(`  ${step === setter ? 'set by' : 'also serves this slot'}: ${describeStep(step, timeZone)}`);
  if (explanation.steps.length === 0) lines.push('  no step changes it: the level holds from the start of the plan');
  if (forecast !== undefined) {
    lines.push(`  forecast at ${formatLocalTime(forecast.bucketStartMs, { timeZone })} (${forecast.model}):`);
    lines.push(`    ${forecast.quantiles.map((item) => `${quantileLabel(item.quantile)} ${formatRps(item.rps)}`).join(', ')}`);
    if (forecast.components.length > 0) {
      lines.push(`    median made of ${forecast.components.map((item) => `${item.name} ${formatRps(item.rps)} (${formatPercent(item.sharePercent)})`).join(' + ')}`);
    }
  }
  return lines.join('\n');
}

function describeStep(step: PlanStep, timeZone: string): string {
  return `written ${clock(step.effectiveAtMs, timeZone)}, ready by ${clock(step.readyByMs, timeZone)}, ${step.fromReplicas}→${step.toReplicas} (${step.reason}) — ${step.message}`;
}

function clock(timeMs: number, timeZone: string): string {
  return formatLocalTime(timeMs, { timeZone, withDate: false, withSeconds: true });
}

function explanationJson(plan: CapacityPlan, explanation: SlotExplanation, forecast: ForecastAtSlot | undefined): object {
  return {
    planId: plan.id,
    at: new Date(explanation.slotStartMs).toISOString(),
    ...explanation,
    ...(forecast !== undefined ? { forecast: { ...forecast, bucketStart: new Date(forecast.bucketStartMs).toISOString() } } : {}),
  };
}
