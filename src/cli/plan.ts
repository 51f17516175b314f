/**
 * `chuanliu plan --config <yaml>`: forecasts every online workload from its history and the peak
 * calendar, plans the time-sharing between online and offline work over the horizon, and prints
 * the plan — per workload a sparkline of replicas, the steps (write time, ready-by time, from→to,
 * reason, message), any capacity shortfall with the brownout order, and a one-paragraph summary.
 * `-o json` prints the plan file that `chuanliu apply --plan` and `chuanliu explain --plan` read;
 * `--report` writes a self-contained HTML page with the forecast bands against planned capacity.
 *
 * stdout carries the result only; what `now` was and where each history came from go to stderr.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { encodePlan } from '../adapters/plan-file.ts';
import { InputError } from '../domain/errors.ts';
import type { CapacityPlan, ReasonCode } from '../domain/plan.ts';
import { formatDurationMs } from '../domain/units.ts';
import { planCapacity, summarizePlan, type PlanSummary } from '../planner/index.ts';
import { formatLocalDateTime, formatLocalTime, paint, renderPlanHtml, renderPlanTable, shouldUseColor } from '../report/index.ts';
import { loadPlanningInputs, type PlanningInputs } from '../runtime/planning-source/planning-inputs.ts';
import { addPlanningInputFlags, planningRequestFromFlags, type PlanningFlags } from './planning-flags.ts';

interface PlanFlags extends PlanningFlags {
  config: string;
  output: string;
  report?: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;
type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function registerPlanCommand(program: Command): void {
  const command = program
    .command('plan')
    .description('Forecast each online workload and plan capacity time-sharing between online and offline work: a table with sparklines, the steps and why, shortfalls');
  addPlanningInputFlags(command, { configRequired: true })
    .option('-o, --output <format>', `stdout format: ${OUTPUT_FORMATS.join(' | ')} (json is the plan file apply and explain read)`, 'table')
    .option('--report <html>', 'also write a self-contained HTML report here')
    .action(async (flags: PlanFlags) => {
      const output = parseOutput(flags.output);
      if (flags.report !== undefined) await checkReportFolder(flags.report);
      const request = planningRequestFromFlags(flags, () => Date.now());
      const inputs = await loadPlanningInputs(flags.config, request);
      const timeZone = inputs.input.settings.displayTimeZone ?? 'UTC';
      process.stderr.write(describeInputs(inputs, timeZone));
      const plan = planCapacity(inputs.input);
      if (flags.report !== undefined) {
        await writeReport(flags.report, renderPlanHtml(plan, {
          forecasts: inputs.forecasts, inventory: inputs.config.inventory, events: inputs.occurrences, timeZone, synthetic: inputs.synthetic,
        }));
        process.stderr.write(`report written to ${flags.report}\n`);
      }
      process.stdout.write(output === 'json' ? `${encodePlan(plan, 2)}\n` : `${renderPlanText(plan, inputs, timeZone)}\n`);
    });
}

function parseOutput(value: string): OutputFormat {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as OutputFormat;
  throw new InputError(`"${value}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
}

/** Fails before the forecasting work rather than after it when the report cannot be written there. */
async function checkReportFolder(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const isFolder = await stat(folder).then((info) => info.isDirectory(), () => false);
  if (!isFolder) throw new InputError(`cannot write the report: ${folder} is not an existing folder`, { source: '--report' });
}

async function writeReport(path: string, html: string): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
      throw new InputError(`cannot write the report: ${(error as Error).message}`, { source: '--report' });
    }
    throw error;
  }
}

/** What the plan was made from: the `now` used and each history (stderr, so stdout stays the result). */
export function describeInputs(inputs: PlanningInputs, timeZone: string): string {
  const nowText = `${formatLocalDateTime(inputs.now.ms, timeZone)} (${new Date(inputs.now.ms).toISOString()})`;
  const why: Record<PlanningInputs['now']['source'], string> = {
    'flag': 'from --now',
    'history-end': 'the end of the history files; pass --now to plan from another time',
    'wall-clock': 'the wall clock, because history is read live from Prometheus; pass --now to reproduce this plan',
  };
  const lines = [`now ${nowText}: ${why[inputs.now.source]}`];
  for (const history of inputs.histories) {
    const { series } = history;
    const known = series.values.reduce((count, value) => count + (Number.isFinite(value) ? 1 : 0), 0);
    lines.push(`history ${history.workload}: ${known} of ${series.values.length} buckets of ${formatDurationMs(series.stepMs)} known, `
      + `${formatLocalTime(series.startMs, { timeZone })} → ${formatLocalTime(series.startMs + series.values.length * series.stepMs, { timeZone })}, from ${history.origin}`);
  }
  for (const forecast of inputs.forecasts) {
    lines.push(`forecast ${forecast.workload}: ${forecast.model}`);
    for (const warning of forecast.warnings ?? []) lines.push(`warning: forecast ${forecast.workload}: ${warning}`);
  }
  for (const name of inputs.unforecast) lines.push(`history ${name}: none (no demand source in the config and no --history); planned without a forecast`);
  if (inputs.synthetic) lines.push(`calendar ${inputs.calendar?.name ?? ''} is SYNTHETIC (invented events)`);
  return `${lines.join('\n')}\n`;
}

/** The terminal rendering: table, steps and shortfalls (renderPlanTable), then summary, notes, offline outlook. */
export function renderPlanText(plan: CapacityPlan, inputs: Pick<PlanningInputs, 'synthetic'>, timeZone: string): string {
  const color = shouldUseColor(process.stdout);
  const width = Math.max(80, Math.min(160, process.stdout.columns ?? 120));
  const sections = [renderPlanTable(plan, { color, width, timeZone })];
  sections.push(`${paint('summary', 'bold', color)}\n${summaryParagraph(summarizePlan(plan), plan, timeZone)}`);
  if ((plan.notes ?? []).length > 0) {
    sections.push(`${paint('notes', 'bold', color)}\n${(plan.notes ?? []).map((note) => `  - ${note}`).join('\n')}`);
  }
  if ((plan.offlineOutlook ?? []).length > 0) {
    sections.push(`${paint('offline work', 'bold', color)}\n${(plan.offlineOutlook ?? []).map((line) => `  - ${line.message}`).join('\n')}`);
  }
  if (inputs.synthetic) sections.push(paint('SYNTHETIC: the calendar is invented (see its file); so are the figures derived from it.', 'dim', color));
  return sections.join('\n\n');
}

const REASON_ORDER: readonly ReasonCode[] = [
  'event-start', 'forecast-increase', 'offline-release', 'offline-restore', 'scale-in-after-peak', 'node-provision', 'node-release',
  'brownout', 'guard-emergency',
];

/** One paragraph: span, steps by reason, the first step, peaks, nodes, shortfall, deadlines, late steps. */
export function summaryParagraph(summary: PlanSummary, plan: CapacityPlan, timeZone: string): string {
  const sentences: string[] = [];
  sentences.push(`Plan ${summary.planId} covers ${formatLocalDateTime(summary.startMs, timeZone)} → ${formatLocalTime(summary.endMs, { timeZone })} `
    + `in ${summary.slotCount} slots of ${formatDurationMs(summary.slotMs)}, for ${summary.onlineWorkloads} online and ${summary.offlineWorkloads} offline workloads.`);
  if (summary.stepCount === 0) {
    sentences.push('It needs no step.');
  } else {
    const byReason = REASON_ORDER
      .filter((reason) => (summary.stepsByReason[reason] ?? 0) > 0)
      .map((reason) => `${summary.stepsByReason[reason]} ${reason}`);
    const first = summary.nextStep;
    sentences.push(`It takes ${summary.stepCount} step${summary.stepCount === 1 ? '' : 's'} (${byReason.join(', ')})`
      + (first === undefined ? '.' : `; the first is written at ${formatLocalTime(first.effectiveAtMs, { timeZone, withSeconds: true })}: ${first.workload} ${first.fromReplicas}→${first.toReplicas} (${first.reason}).`));
  }
  const details = plan.explanation?.workloads ?? {};
  const onlineRanges = Object.entries(summary.replicas)
    .filter(([name]) => details[name]?.class !== 'offline')
    .sort(([, a], [, b]) => (b.max - b.min) - (a.max - a.min));
  if (onlineRanges.length > 0) {
    sentences.push(`Online replicas range ${onlineRanges.slice(0, 6).map(([name, range]) => `${name} ${range.min}–${range.max}`).join(', ')}${onlineRanges.length > 6 ? ', …' : ''}.`);
  }
  const pools = Object.entries(summary.nodes);
  if (pools.length > 0) sentences.push(`Nodes: ${pools.map(([name, range]) => (range.min === range.max ? `${name} ${range.min}` : `${name} ${range.min}–${range.max}`)).join(', ')}.`);
  const warmed = Object.entries(summary.placeholders ?? {}).filter(([, most]) => most > 0);
  if (warmed.length > 0) sentences.push(`Pre-provisioned ahead of the peak by placeholder pods: ${warmed.map(([name, most]) => `${name} up to ${most}`).join(', ')}.`);
  if (summary.shortfallSlots === 0) {
    sentences.push('Every online workload gets what its demand quantile needs in every slot.');
  } else {
    sentences.push(`Capacity is short in ${summary.shortfallSlots} slot${summary.shortfallSlots === 1 ? '' : 's'} (${summary.missingReplicaSlots} replica-slots missing) for ${summary.shortWorkloads.join(', ')}; `
      + `brownout order, lowest priority first: ${plan.brownoutOrder.join(' → ')}.`);
  }
  const deadlines = (plan.offlineOutlook ?? []).filter((line) => line.deadlineMs !== undefined);
  if (summary.deadlinesMissed.length > 0) sentences.push(`Offline deadlines missed: ${summary.deadlinesMissed.join(', ')}.`);
  else if (deadlines.length > 0) sentences.push(`Offline deadlines inside or after the horizon are on track (${deadlines.map((line) => line.workload).join(', ')}).`);
  if (summary.lateSteps > 0) {
    sentences.push(`${summary.lateSteps} step${summary.lateSteps === 1 ? ' is' : 's are'} late: the need is closer to now than the lead time, so capacity will be Ready after the slot it serves.`);
  }
  return sentences.join(' ');
}
