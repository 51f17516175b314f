/**
 * `chuanliu demo`: the embedded default end to end, with no cluster, Redis or Prometheus — the
 * SYNTHETIC Double-11 evening (sim/double11.yaml) forecast from the days before it, planned,
 * applied by the controller to the simulated cluster (chuanliu), and compared on the same traffic
 * with static-peak, the Kubernetes HPA, KEDA cron floors and the oracle; a livestream PeakEvent
 * created at 18:40 for 19:05, in no calendar, shows a short-notice event taken in (demo-short-notice.ts).
 * Prints the scoring table,
 * the largest plan steps with their explanations, the reactive guard's actions and the headline
 * ratios; writes an HTML report of the comparison and one of the plan made before the evening.
 *
 * Everything runs at the scenario's own resolution (1 s ticks for double11) with all five
 * strategies; progress goes to stderr, results to stdout (`-o json`: pure JSON).
 */
import { stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { InputError } from '../domain/errors.ts';
import type { PlanStep } from '../domain/plan.ts';
import { runSimulation } from '../simulator/engine.ts';
import { loadScenarioFile } from '../simulator/load-scenario.ts';
import { renderElasticDemo, runElasticDemo } from './demo-elastic.ts';
import { DEMO_SHORT_NOTICE_EVENT, renderShortNoticeLines, summarizeShortNotice } from './demo-short-notice.ts';
import type { SimulationResult } from '../simulator/result.ts';
import type { Scenario } from '../simulator/scenario.ts';
import { createChuanliuStrategy } from '../simulator/strategies/chuanliu.ts';
import { compareChuanliu, type Comparison } from '../simulator/strategies/chuanliu/comparison.ts';
import { ChuanliuRunRecorder } from '../simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies, DEFAULT_STRATEGIES } from '../simulator/strategies/index.ts';
import { StrategyRegistry } from '../simulator/strategy.ts';
import {
  formatCompact, formatDurationMs, formatLocalTime, formatPercent, paint, renderPlanHtml, renderSimulationHtml,
  renderSimulationTable, shouldUseColor,
} from '../report/index.ts';

interface DemoFlags {
  scenario: string;
  report: string;
  seed?: string;
  output: string;
  /** false with --no-elastic. */
  elastic: boolean;
  /** false with --no-short-notice. */
  shortNotice: boolean;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;
const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const DEFAULT_SCENARIO = join(repositoryRoot, 'sim', 'double11.yaml');
/** Plan steps shown in the terminal (the largest online increases of the plan made before the run). */
const SHOWN_STEPS = 5;
/** Guard emergencies listed one by one. */
const SHOWN_GUARD_RESPONSES = 5;

export function registerDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('Forecast, plan and apply the SYNTHETIC Double-11 evening on a simulated cluster; compare with static, HPA, KEDA-cron and the oracle')
    .option('--scenario <yaml>', 'scenario file', displayPath(DEFAULT_SCENARIO))
    .option('--report <html>', 'HTML report of the comparison (the plan goes beside it as <name>-plan.html)', 'demo-report.html')
    .option('--seed <n>', 'replace the scenario\'s seed (traffic noise, startup times, metric lags)')
    .option('-o, --output <format>', `stdout format: ${OUTPUT_FORMATS.join(' | ')}`, 'table')
    .option('--no-elastic', 'skip the second part (nodes pre-provisioned on an elastic pool, sim/elastic-midnight.yaml)')
    .option('--no-short-notice', 'leave out the livestream PeakEvent created at 18:40 for 19:05 (the default scenario only): the evening exactly as sim/double11.yaml, as the benchmarks run it')
    .action(async (flags: DemoFlags) => {
      const output = parseOutput(flags.output);
      const seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
      const reportPath = await parseReportPath(flags.report);
      const scenarioPath = flags.scenario === displayPath(DEFAULT_SCENARIO) ? DEFAULT_SCENARIO : flags.scenario;

      const recorder = new ChuanliuRunRecorder();
      const registry = demoRegistry(recorder);
      const startedAt = performance.now();
      progress(`loading ${displayPath(scenarioPath)}${seed !== undefined ? ` (seed ${seed})` : ''}`);
      // The short-notice livestream belongs to the default evening (it names its workloads).
      const peakEvents = flags.shortNotice !== false && scenarioPath === DEFAULT_SCENARIO ? [DEMO_SHORT_NOTICE_EVENT] : [];
      const scenario = await loadScenarioFile(scenarioPath, { registry, peakEvents, ...(seed !== undefined ? { seed } : {}) });
      progress(`${scenario.name}${scenario.synthetic ? ' [SYNTHETIC]' : ''}: ${formatDurationMs(scenario.endMs - scenario.startMs)} at ${formatDurationMs(scenario.tickMs)} ticks, `
        + `${scenario.online.length} online + ${scenario.offline.length} offline workloads; strategies ${DEFAULT_STRATEGIES.join(', ')}`);
      let strategyStartedAt = performance.now();
      // The engine may report a strategy's last tick twice (periodic report + end of strategy).
      const finished = new Set<string>();
      const result = await runSimulation(scenario, {
        strategies: [...DEFAULT_STRATEGIES],
        registry,
        progressEveryTicks: Math.max(1, Math.ceil((scenario.endMs - scenario.startMs) / scenario.tickMs / 4)),
        onProgress: ({ strategy, tick, totalTicks }) => {
          if (finished.has(strategy)) return;
          if (tick < totalTicks) {
            progress(`  ${strategy.padEnd(12)} ${Math.round((tick / totalTicks) * 100)}%`);
            return;
          }
          finished.add(strategy);
          const now = performance.now();
          progress(`  ${strategy.padEnd(12)} done in ${((now - strategyStartedAt) / 1000).toFixed(1)} s`);
          strategyStartedAt = now;
        },
      });
      const elapsedMs = performance.now() - startedAt;
      progress(`simulated in ${(elapsedMs / 1000).toFixed(1)} s`);

      const timeZone = displayZone(scenario);
      const planPath = planReportPath(reportPath);
      await writeReports({ result, recorder, scenario, reportPath, planPath, timeZone });
      progress(`reports: ${reportPath} (comparison), ${planPath} (the plan made before the run)`);

      const comparison = compareChuanliu(result.scores);
      const shortNotice = scenario.announcedEvents.map((announced) => ({ announced, summary: summarizeShortNotice(announced, result, recorder) }));
      if (output === 'json') {
        const summary = { ...demoSummary({ result, recorder, comparison, reportPath, planPath, elapsedMs }), shortNotice: shortNotice.map((entry) => entry.summary) };
        process.stdout.write(`${toJson({ summary, result })}\n`);
        return;
      }
      const color = shouldUseColor(process.stdout);
      const shortNoticeText = shortNotice.map(({ announced, summary }) => `\n\n${renderShortNoticeLines(announced, summary, timeZone, color).join('\n')}`).join('');
      process.stdout.write(`${renderSimulationTable(result, { color })}\n\n${renderDemoLines({ result, recorder, comparison, timeZone, color })}${shortNoticeText}\n`);
      // Nodes pre-provisioned for a midnight peak on an elastic pool (a few seconds more).
      if (flags.elastic !== false) {
        progress('elastic pool: sim/elastic-midnight.yaml');
        process.stdout.write(`\n${renderElasticDemo(await runElasticDemo(), color)}\n`);
      }
    });
}

/** The built-in strategies, with a chuanliu whose run is recorded for the summary. */
function demoRegistry(recorder: ChuanliuRunRecorder): StrategyRegistry {
  const builtin = builtinStrategies();
  const registry = new StrategyRegistry();
  for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
  return registry;
}

async function writeReports(options: {
  result: SimulationResult; recorder: ChuanliuRunRecorder; scenario: Scenario; reportPath: string; planPath: string; timeZone: string;
}): Promise<void> {
  const { result, recorder, scenario, timeZone } = options;
  await writeReport(options.reportPath, renderSimulationHtml(result, { timeZone }));
  const plan = recorder.firstPlan();
  if (plan === undefined) return;
  await writeReport(options.planPath, renderPlanHtml(plan, {
    forecasts: [...recorder.firstForecasts.values()],
    inventory: { online: scenario.online, offline: scenario.offline, nodePools: scenario.nodePools },
    events: scenario.events,
    timeZone,
    synthetic: scenario.synthetic,
  }));
}

async function writeReport(path: string, html: string): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR' || code === 'ENOTDIR') {
      throw new InputError(`cannot write the report here (${code === 'ENOENT' ? 'no such folder' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'permission denied' : 'not a folder'})`, { source: '--report', field: path });
    }
    throw error;
  }
}

interface DemoLinesInput {
  readonly result: SimulationResult;
  readonly recorder: ChuanliuRunRecorder;
  readonly comparison: Comparison | undefined;
  readonly timeZone: string;
  readonly color: boolean;
}

/** The few lines under the table: the headline, the plan's largest steps, the guard. */
export function renderDemoLines(input: DemoLinesInput): string {
  const { recorder, comparison, timeZone, color } = input;
  const lines: string[] = [];
  if (comparison !== undefined) lines.push(...headlineLines(comparison, input.result).map((line, index) => (index === 0 ? paint(line, 'bold', color) : line)));

  const plan = recorder.firstPlan();
  if (plan !== undefined) {
    lines.push('', paint(`Plan made at ${formatLocalTime(plan.createdAtMs, { timeZone })} from the history before the run (${formatDurationMs(plan.slotCount * plan.slotMs)} ahead, ${formatDurationMs(plan.slotMs)} slots, ${plan.steps.length} steps; re-planned ${recorder.planCount - 1} times during the run). Largest increases:`, 'bold', color));
    for (const step of largestIncreases(plan.steps, SHOWN_STEPS)) {
      lines.push(`  ${formatLocalTime(step.effectiveAtMs, { timeZone, withSeconds: true })}  ${step.message}`);
    }
  }

  const engaged = recorder.guardDecisions.filter((decision) => decision.kind === 'engage');
  lines.push('', paint(`Reactive guard: ${engaged.length === 0 ? 'no forecast miss (live demand stayed inside the forecast band)' : `${engaged.length} forecast miss${engaged.length === 1 ? '' : 'es'} (live demand left the band)`}`, 'bold', color));
  for (const response of recorder.guardResponses.slice(0, SHOWN_GUARD_RESPONSES)) {
    const ready = response.readyAtMs === undefined ? 'capacity not Ready by the end of the run' : `capacity Ready ${formatDurationMs(response.readyAtMs - response.onsetMs)} after onset`;
    lines.push(`  ${formatLocalTime(response.onsetMs, { timeZone, withSeconds: true })}  ${response.workload}: ${formatCompact(response.miss.observedRps)} rps against a band of ${formatCompact(response.miss.bandRps)} rps; engaged ${formatDurationMs(response.engagedAtMs - response.onsetMs)} after onset, floor ${response.floorReplicas} replicas, ${ready}`);
  }
  if (recorder.guardResponses.length > SHOWN_GUARD_RESPONSES) lines.push(`  … and ${recorder.guardResponses.length - SHOWN_GUARD_RESPONSES} more`);
  lines.push(...eventLines(recorder, timeZone, color));
  return lines.join('\n');
}

/** Kubernetes Events shown (the first of each reason, then the most repeated), as `kubectl get events` would list them. */
const SHOWN_EVENTS = 8;

function eventLines(recorder: ChuanliuRunRecorder, timeZone: string, color: boolean): string[] {
  const events = recorder.events.list();
  if (events.length === 0) return [];
  const byReason = new Map<string, number>();
  for (const event of events) byReason.set(event.event.reason, (byReason.get(event.event.reason) ?? 0) + event.count);
  const lines = ['', paint(`Kubernetes Events the controller recorded (${events.length} Events after de-duplication; ${[...byReason].map(([reason, count]) => `${reason} ${count}`).join(', ')}), as kubectl get events lists them:`, 'bold', color)];
  // The first of each reason (the evening's story), then the most repeated; in time order.
  const firstOfReason = [...new Map([...events].reverse().map((record) => [record.event.reason, record] as const)).values()];
  const repeated = [...events].filter((record) => record.count > 1).sort((a, b) => b.count - a.count);
  const shown = [...new Set([...firstOfReason, ...repeated])].slice(0, SHOWN_EVENTS).sort((a, b) => a.lastSeenMs - b.lastSeenMs);
  for (const record of shown) {
    const { event } = record;
    const note = event.note.length > 110 ? `${event.note.slice(0, 109)}…` : event.note;
    lines.push(`  ${formatLocalTime(record.lastSeenMs, { timeZone, withSeconds: true })}  ${event.type.padEnd(7)} ${event.reason.padEnd(16)} ${`${event.regarding.kind.toLowerCase()}/${event.regarding.name}`.padEnd(24)} ${record.count > 1 ? `(x${record.count}) ` : ''}${note}`);
  }
  return lines;
}

function headlineLines(comparison: Comparison, result: SimulationResult): string[] {
  const { chuanliu, hpa, oracle, staticPeak } = comparison;
  const name = `${result.scenario.name}${result.scenario.synthetic ? ' [SYNTHETIC]' : ''}`;
  const first = [`chuanliu on ${name}: ${formatPercent(chuanliu.unservedPercent)} unserved (${formatCompact(chuanliu.unservedRequests)} requests)`];
  if (hpa !== undefined) first.push(`${timesText(comparison.unservedFewerThanHpa)} fewer than the HPA (${formatCompact(hpa.unservedRequests)})`);
  first.push(`${formatCompact(chuanliu.unservedSecondsAtEventStarts)} s unserved at planned event starts`);
  const second: string[] = [`online ${formatCompact(chuanliu.onlineCoreHours)} core-h`];
  if (oracle !== undefined && comparison.coreHoursVsOracle !== undefined) second.push(`${comparison.coreHoursVsOracle.toFixed(2)}× the oracle's ${formatCompact(oracle.onlineCoreHours)}`);
  if (staticPeak !== undefined && comparison.coreHoursSavedVsStaticPercent !== undefined) {
    second.push(`${Math.round(comparison.coreHoursSavedVsStaticPercent)}% ${comparison.coreHoursSavedVsStaticPercent >= 0 ? 'fewer' : 'more'} than static-peak's ${formatCompact(staticPeak.onlineCoreHours)}`);
  }
  const third = oracle !== undefined && comparison.offlineVsOracle !== undefined
    ? [`offline work done ${formatCompact(chuanliu.offlineCoreHoursDone)} core-h = ${Math.round(comparison.offlineVsOracle * 100)}% of the oracle's; deadlines met ${chuanliu.offlineDeadlinesMet}/${chuanliu.offlineDeadlinesTotal}`]
    : [];
  return [first.join(' — '), second.join(', '), ...third];
}

function timesText(ratio: number | undefined): string {
  if (ratio === undefined || Number.isNaN(ratio)) return 'as few';
  if (!Number.isFinite(ratio)) return '∞×';
  return ratio >= 10 ? `${Math.round(ratio)}×` : `${ratio.toFixed(1)}×`;
}

/** The largest online increases (they carry the lead-time explanations), in time order. */
export function largestIncreases(steps: readonly PlanStep[], count: number): PlanStep[] {
  return steps
    .filter((step) => step.direction === 'acquire' && step.subject !== 'node-pool' && step.toReplicas > step.fromReplicas && step.leadMs !== undefined)
    .sort((a, b) => (b.toReplicas - b.fromReplicas) - (a.toReplicas - a.fromReplicas) || a.effectiveAtMs - b.effectiveAtMs)
    .slice(0, count)
    .sort((a, b) => a.effectiveAtMs - b.effectiveAtMs);
}

function demoSummary(input: {
  result: SimulationResult; recorder: ChuanliuRunRecorder; comparison: Comparison | undefined; reportPath: string; planPath: string; elapsedMs: number;
}): Record<string, unknown> {
  const { recorder, comparison } = input;
  const plan = recorder.firstPlan();
  return {
    scenario: input.result.scenario.name,
    synthetic: input.result.scenario.synthetic,
    strategies: [...DEFAULT_STRATEGIES],
    elapsedSeconds: Math.round(input.elapsedMs / 100) / 10,
    reports: { comparison: input.reportPath, plan: input.planPath },
    comparison: comparison === undefined ? null : {
      unservedFewerThanHpa: comparison.unservedFewerThanHpa ?? null,
      coreHoursVsOracle: comparison.coreHoursVsOracle ?? null,
      coreHoursSavedVsStaticPercent: comparison.coreHoursSavedVsStaticPercent ?? null,
      offlineVsOracle: comparison.offlineVsOracle ?? null,
    },
    plan: plan === undefined ? null : {
      id: plan.id, createdAtMs: plan.createdAtMs, slotMs: plan.slotMs, slotCount: plan.slotCount, steps: plan.steps.length,
      replans: recorder.planCount - 1,
      largestIncreases: largestIncreases(plan.steps, SHOWN_STEPS),
    },
    guard: {
      decisions: recorder.guardDecisions.map((decision) => ({ kind: decision.kind, workload: decision.workload, atMs: decision.atMs, message: decision.message })),
      responses: recorder.guardResponses,
    },
  };
}

/** Typed arrays as plain arrays, non-finite numbers as null: readable by any JSON tool. */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, entry: unknown) => {
    if (ArrayBuffer.isView(entry) && !(entry instanceof DataView)) {
      return Array.from(entry as unknown as ArrayLike<number>, (item) => (Number.isFinite(item) ? item : null));
    }
    if (typeof entry === 'number' && !Number.isFinite(entry)) return null;
    return entry;
  });
}

function displayZone(scenario: Scenario): string {
  for (const occurrence of scenario.events) if ('timeZone' in occurrence.event) return occurrence.event.timeZone;
  return 'UTC';
}

function parseOutput(value: string): (typeof OUTPUT_FORMATS)[number] {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as (typeof OUTPUT_FORMATS)[number];
  throw new InputError(`"${value}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
}

function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new InputError(`"${text}" is not an integer seed`, { source: '--seed' });
  }
  return Number(text);
}

/** Checked before the run: a bad path should not cost a simulation. */
async function parseReportPath(path: string): Promise<string> {
  if (path.trim() === '') throw new InputError('expected a file path for the HTML report', { source: '--report' });
  if (extname(path).toLowerCase() !== '.html') throw new InputError(`expected a path ending in .html, got "${path}"`, { source: '--report' });
  const folder = dirname(resolve(path));
  const isFolder = await stat(folder).then((entry) => entry.isDirectory(), () => false);
  if (!isFolder) throw new InputError(`the folder ${folder} does not exist`, { source: '--report', field: path });
  return path;
}

/** `demo-report.html` → `demo-report-plan.html`, in the same folder. */
function planReportPath(reportPath: string): string {
  return join(dirname(reportPath), `${basename(reportPath, extname(reportPath))}-plan.html`);
}

function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), resolve(path));
  return fromCwd.startsWith('..') ? path : fromCwd;
}

function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
