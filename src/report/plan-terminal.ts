/**
 * A capacity plan in the terminal: per workload a sparkline of replicas over the slots, then the
 * steps (when, what, why) and any shortfall with the brownout order.
 */
import type { CapacityPlan, PlanStep, ReasonCode } from '../domain/plan.ts';
import { paint, type AnsiStyle } from './ansi.ts';
import { formatDurationMs, formatLocalDateTime, formatLocalTime } from './format.ts';
import { sparkline, sparklineBucketSize } from './sparkline.ts';
import { renderTextTable } from './text-table.ts';

export interface PlanTableOptions {
  readonly color: boolean;
  /** Total width in columns; the sparklines take what the other columns leave. @defaultValue 100 */
  readonly width?: number;
  /** IANA zone of the times shown. @defaultValue UTC */
  readonly timeZone?: string;
  /** Most workload rows (largest change first). @defaultValue 40 */
  readonly maxWorkloads?: number;
  /** Most steps listed (earliest first). @defaultValue 60 */
  readonly maxSteps?: number;
}

const urgentReasons: ReadonlySet<ReasonCode> = new Set(['brownout', 'guard-emergency']);

export function renderPlanTable(plan: CapacityPlan, options: PlanTableOptions): string {
  const timeZone = options.timeZone ?? 'UTC';
  const width = options.width ?? 100;
  const { color } = options;
  const endMs = plan.startMs + plan.slotCount * plan.slotMs;
  const lines: string[] = [
    paint(`plan ${plan.id}`, 'bold', color)
      + paint(`  ${formatLocalDateTime(plan.startMs, timeZone)} → ${formatLocalTime(endMs, { timeZone })}, ${plan.slotCount} slots of ${formatDurationMs(plan.slotMs)}`, 'dim', color),
    '',
  ];

  const withRange = (row: { name: string; kind: string; values: Int32Array }) => ({ ...row, min: Math.min(...row.values), max: Math.max(...row.values) });
  // Nodes per pool (and the placeholder pods that pre-provision them) always come first.
  const poolRows = Object.entries(plan.nodes).flatMap(([name, nodes]) => [
    { name: `pool ${name}`, kind: 'nodes', values: nodes },
    ...(plan.placeholders?.[name] !== undefined ? [{ name: `pool ${name}`, kind: 'placeholders', values: plan.placeholders[name] }] : []),
  ]).map(withRange);
  const workloadRows = Object.entries(plan.replicas).map(([name, replicas]) => withRange({ name, kind: 'replicas', values: replicas }));
  const rows = [...poolRows, ...workloadRows];
  const shown = [...poolRows, ...[...workloadRows].sort((a, b) => (b.max - b.min) - (a.max - a.min) || a.name.localeCompare(b.name)).slice(0, options.maxWorkloads ?? 40)];
  const nameWidth = Math.max(8, ...shown.map((row) => row.name.length));
  const sparkWidth = Math.max(10, Math.min(plan.slotCount, width - nameWidth - 24));
  const perColumnMs = sparklineBucketSize(plan.slotCount, sparkWidth) * plan.slotMs;
  lines.push(renderTextTable([
    { header: ['workload'], align: 'left' },
    { header: ['unit'], align: 'left' },
    { header: ['min'], align: 'right' },
    { header: ['max'], align: 'right' },
    { header: [`over time, ${formatLocalTime(plan.startMs, { timeZone, withDate: false })} → ${formatLocalTime(endMs, { timeZone, withDate: false })} (1 column = ${formatDurationMs(perColumnMs)})`], align: 'left' },
  ], shown.map((row) => [
    row.name, row.kind, String(row.min), String(row.max),
    paint(sparkline(row.values, { width: sparkWidth }), row.kind === 'replicas' ? 'cyan' : 'gray', color),
  ]), { color }));
  if (shown.length < rows.length) lines.push(paint(`… ${rows.length - shown.length} more rows with smaller changes (use -o json for all)`, 'dim', color));

  const steps = [...plan.steps].sort((a, b) => a.effectiveAtMs - b.effectiveAtMs);
  const listed = steps.slice(0, options.maxSteps ?? 60);
  lines.push('', paint(`steps (${steps.length})`, 'bold', color));
  if (steps.length === 0) {
    lines.push('no changes: the cluster already matches the plan');
  } else {
    lines.push(renderTextTable([
      { header: ['write at'], align: 'left' },
      { header: ['ready by'], align: 'left' },
      { header: ['workload'], align: 'left' },
      { header: ['from→to'], align: 'right' },
      { header: ['reason'], align: 'left' },
      { header: ['message'], align: 'left' },
    ], listed.map((step) => stepRow(step, timeZone, color)), { color }));
    if (listed.length < steps.length) lines.push(paint(`… ${steps.length - listed.length} more steps (use -o json for all)`, 'dim', color));
  }

  if (plan.shortfalls.length > 0) {
    lines.push('', paint(`capacity shortfall in ${plan.shortfalls.length} slot(s) — brownout order: ${plan.brownoutOrder.join(' → ')}`, ['bold', 'red'], color));
    lines.push(renderTextTable([
      { header: ['slot'], align: 'left' },
      { header: ['workload'], align: 'left' },
      { header: ['missing'], align: 'right' },
      { header: ['message'], align: 'left' },
    ], plan.shortfalls.slice(0, options.maxSteps ?? 60).map((shortfall) => [
      formatLocalTime(plan.startMs + shortfall.slotIndex * plan.slotMs, { timeZone }),
      shortfall.workload, String(shortfall.missingReplicas), shortfall.message,
    ]), { color }));
  }
  lines.push('', paint(`times in ${timeZone}`, 'dim', color));
  return lines.join('\n');
}

function stepRow(step: PlanStep, timeZone: string, color: boolean): string[] {
  const style: AnsiStyle = step.direction === 'release' ? 'yellow' : 'green';
  const arrow = step.toReplicas > step.fromReplicas ? '↑' : step.toReplicas < step.fromReplicas ? '↓' : '=';
  return [
    formatLocalTime(step.effectiveAtMs, { timeZone, withSeconds: true }),
    formatLocalTime(step.readyByMs, { timeZone, withDate: false, withSeconds: true }),
    step.workload,
    paint(`${step.fromReplicas}→${step.toReplicas} ${arrow}`, style, color),
    paint(step.reason, urgentReasons.has(step.reason) ? ['bold', 'red'] : 'dim', color),
    step.message,
  ];
}
