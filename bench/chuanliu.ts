/**
 * chuanliu end to end against its yardsticks — issue 4's "done when", measured in one run: every
 * shipped scenario (sim/*.yaml) replayed through static-peak, the HPA, KEDA cron floors, chuanliu
 * (the real forecaster, planner and controller with its reactive guard, on the simulated cluster)
 * and the oracle, at the scenario's own resolution (1 s ticks).
 *
 * - Planned-peak scenarios (the SYNTHETIC double11 evening; the real seasonal and event-surge
 *   traces): unserved ≤ 0.01 %, no unserved second in the first minute of a planned event, online
 *   core-hours ≤ 1.15× the oracle's, offline work ≥ 90 % of the oracle's, ≥ 10× fewer unserved
 *   requests than the HPA, ≥ 35 % fewer online core-hours than static-peak at equal or better
 *   unserved.
 * - Spiky scenarios (unforecast pulses): unserved ≤ half the HPA's; per guard emergency, the time
 *   from the pulse's onset (demand left the band, as monitoring later showed) to the guard engaging
 *   and to the emergency capacity being Ready.
 * - What was tried (full run only): the same strategy with the design's whole-event hold, with a
 *   70 %-CPU HPA kept under the floor, and provisioning the real traces at p90 instead of p99.
 *
 * Run alone: `npx tsx bench/chuanliu.ts [--quick]`; `chuanliuBenchPart` plugs into bench/run.ts.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../src/simulator/engine.ts';
import { loadScenarioFile } from '../src/simulator/load-scenario.ts';
import type { StrategyScore } from '../src/simulator/result.ts';
import type { Scenario } from '../src/simulator/scenario.ts';
import { chuanliuSettingsSchema, createChuanliuStrategy, type GuardResponse } from '../src/simulator/strategies/chuanliu.ts';
import { compareChuanliu, type Comparison } from '../src/simulator/strategies/chuanliu/comparison.ts';
import { ChuanliuRunRecorder } from '../src/simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies, DEFAULT_STRATEGIES } from '../src/simulator/strategies/index.ts';
import { StrategyRegistry } from '../src/simulator/strategy.ts';
import { GUARD_DEFAULTS } from '../src/domain/guard-defaults.ts';
import { formatCompact, formatDurationMs, formatPercent } from '../src/report/index.ts';
import type { BenchPart, BenchPartResult } from './part.ts';
import { measureUrgentAcquire, urgentAcquireFailure, type UrgentAcquireMeasurement } from './urgent-acquire.ts';

/** Grace period of the offline pods in the urgent-acquire measurement (what the acquire used to wait for). */
const URGENT_DRAIN_MS = 20_000;
/** Issue 12 item 4: the guard engages within this of the monitoring signal crossing the band. */
const ENGAGE_GOAL_MS = 15_000;

const simDirectory = fileURLToPath(new URL('../sim/', import.meta.url));

/**
 * Which targets a shipped scenario is held to, as issue 4 sorts them: the twitter and azure traces
 * carry pulses nobody could have scheduled; the others are planned peaks (calendar, seasonality).
 */
const SPIKY = new Set(['twitter-aapl-spiky', 'azure-code-bursts']);

const TARGETS = {
  unservedPercent: 0.01,
  coreHoursVsOracle: 1.15,
  offlineVsOracle: 0.9,
  fewerThanHpa: 10,
  savedVsStaticPercent: 35,
  spikyShareOfHpa: 0.5,
} as const;

interface ScenarioRun {
  readonly scenario: Scenario;
  readonly spiky: boolean;
  readonly scores: readonly StrategyScore[];
  readonly comparison: Comparison;
  readonly guard: readonly GuardResponse[];
  readonly plans: number;
  readonly chuanliuSeconds: number;
}

interface Check {
  readonly name: string;
  readonly measured: string;
  readonly target: string;
  /** undefined = not applicable (e.g. nothing to compare against). */
  readonly passed: boolean | undefined;
  readonly note?: string;
}

export const chuanliuBenchPart: BenchPart = {
  id: 'chuanliu',
  async run({ quick, log }): Promise<BenchPartResult> {
    const files = (await readdir(simDirectory)).filter((file) => file.endsWith('.yaml') && !file.startsWith('config.')).sort();
    const runs: ScenarioRun[] = [];
    for (const file of files) {
      const run = await runScenario(file, {}, log);
      runs.push(run);
    }
    const tried = quick ? [] : await runVariants(log);
    const urgent = await measureUrgentAcquire({ drainMs: URGENT_DRAIN_MS });
    log(`urgent acquire: signal → online write ${urgent.signalToOnlineWriteMs} ms with a ${urgent.drainObservedMs} ms offline drain in flight`);
    return render(runs, tried, urgent);
  },
};

async function runScenario(file: string, chuanliuSettings: Record<string, unknown>, log: (line: string) => void, strategies: readonly string[] = DEFAULT_STRATEGIES): Promise<ScenarioRun> {
  const recorder = new ChuanliuRunRecorder();
  const builtin = builtinStrategies();
  const registry = new StrategyRegistry();
  for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
  const loaded = await loadScenarioFile(simDirectory + file, { registry });
  const scenario: Scenario = Object.keys(chuanliuSettings).length === 0 ? loaded : {
    ...loaded, strategySettings: { ...loaded.strategySettings, chuanliu: chuanliuSettingsSchema.parse(chuanliuSettings) },
  };
  let chuanliuSeconds = 0;
  let startedAt = performance.now();
  // The engine may report a strategy's last tick twice (periodic report + end of strategy).
  const finished = new Set<string>();
  const result = await runSimulation(scenario, {
    strategies, registry, workloadTimelines: false,
    onProgress: ({ strategy, tick, totalTicks }) => {
      if (tick < totalTicks || finished.has(strategy)) return;
      finished.add(strategy);
      const seconds = (performance.now() - startedAt) / 1000;
      if (strategy === 'chuanliu') chuanliuSeconds = seconds;
      startedAt = performance.now();
    },
  });
  const comparison = compareChuanliu(result.scores);
  if (comparison === undefined) throw new Error(`${file}: no chuanliu score`);
  log(`${scenario.name}${Object.keys(chuanliuSettings).length > 0 ? ` ${JSON.stringify(chuanliuSettings)}` : ''}: chuanliu ${formatPercent(comparison.chuanliu.unservedPercent)} unserved, `
    + `${comparison.coreHoursVsOracle?.toFixed(2)}× oracle core-h (${chuanliuSeconds.toFixed(1)} s)`);
  return {
    scenario, spiky: SPIKY.has(scenario.name), scores: result.scores, comparison, guard: recorder.guardResponses,
    plans: recorder.planCount, chuanliuSeconds,
  };
}

interface Variant {
  readonly file: string;
  readonly settings: Record<string, unknown>;
  readonly why: string;
  readonly run: ScenarioRun;
}

/** The settings tried on the way, re-measured: what each costs or saves against the defaults. */
async function runVariants(log: (line: string) => void): Promise<Variant[]> {
  const plans: { file: string; settings: Record<string, unknown>; why: string }[] = [
    { file: 'double11.yaml', settings: { planning: { eventHold: 'event' } }, why: 'the design\'s strictest reading: no scale-in during a whole event window (4 h promotions)' },
    { file: 'double11.yaml', settings: { hpa: { scope: 'declared', targetFrom: 'fixed', targetUtilization: 100 } }, why: 'the net only where `hpa:` is declared, at 100 % (the defaults before issue 12)' },
    { file: 'double11.yaml', settings: { hpa: { floorUtilization: 90 } }, why: 'floors planned at 90 % of a replica instead of 100 %' },
    { file: 'nasa-launch-day.yaml', settings: { forecast: { quantile: 0.9 } }, why: 'provision at p90 instead of p99 (fewer core-hours, the guard as the net)' },
    { file: 'nasa-launch-day.yaml', settings: { reforecastInterval: '30m' }, why: 're-forecast every 30 min instead of 15 (speed)' },
    { file: 'twitter-aapl-spiky.yaml', settings: { guard: { consecutiveSamples: 3, trendHorizon: '0s' } }, why: 'the guard before issue 12 item 4: 3 samples (floor 10 s after the signal), sized on the level' },
    { file: 'twitter-aapl-spiky.yaml', settings: { guard: { stabilization: '2m' } }, why: 'guard floors released after 2 min of calm instead of 5 (a faster way down)' },
    { file: 'nasa-launch-day.yaml', settings: { guard: { stabilization: '2m' } }, why: 'guard floors released after 2 min of calm instead of 5 (a faster way down)' },
  ];
  const variants: Variant[] = [];
  for (const plan of plans) {
    variants.push({ ...plan, run: await runScenario(plan.file, plan.settings, log, ['static-peak', 'hpa', 'chuanliu', 'oracle']) });
  }
  return variants;
}

function checksFor(run: ScenarioRun): Check[] {
  const { comparison } = run;
  const { chuanliu, hpa, oracle, staticPeak } = comparison;
  const checks: Check[] = [];
  if (run.spiky) {
    if (hpa !== undefined) {
      const share = hpa.unservedRequests > 0 ? chuanliu.unservedRequests / hpa.unservedRequests : Number.NaN;
      checks.push({
        name: 'unserved vs HPA', measured: `${formatCompact(chuanliu.unservedRequests)} vs ${formatCompact(hpa.unservedRequests)} (${Number.isFinite(share) ? `${(share * 100).toFixed(0)}%` : '–'})`,
        target: `≤ ${TARGETS.spikyShareOfHpa * 100}% of HPA's`, passed: Number.isFinite(share) ? share <= TARGETS.spikyShareOfHpa : chuanliu.unservedRequests === 0,
      });
    }
    return checks;
  }
  checks.push({ name: 'unserved', measured: formatPercent(chuanliu.unservedPercent), target: `≤ ${TARGETS.unservedPercent}%`, passed: chuanliu.unservedPercent <= TARGETS.unservedPercent });
  checks.push({ name: 'unserved s at event starts', measured: formatCompact(chuanliu.unservedSecondsAtEventStarts), target: '0', passed: chuanliu.unservedSecondsAtEventStarts === 0 });
  if (oracle !== undefined && comparison.coreHoursVsOracle !== undefined) {
    checks.push({ name: 'online core-h vs oracle', measured: `${comparison.coreHoursVsOracle.toFixed(3)}×`, target: `≤ ${TARGETS.coreHoursVsOracle}×`, passed: comparison.coreHoursVsOracle <= TARGETS.coreHoursVsOracle });
  }
  if (oracle !== undefined && comparison.offlineVsOracle !== undefined) {
    checks.push({
      name: 'offline work vs oracle', measured: Number.isFinite(comparison.offlineVsOracle) ? `${(comparison.offlineVsOracle * 100).toFixed(1)}%` : '–',
      target: `≥ ${TARGETS.offlineVsOracle * 100}%`, passed: Number.isNaN(comparison.offlineVsOracle) ? undefined : comparison.offlineVsOracle >= TARGETS.offlineVsOracle,
    });
  }
  if (hpa !== undefined) {
    const fewer = comparison.unservedFewerThanHpa ?? Number.NaN;
    const applicable = hpa.unservedRequests > 0 || chuanliu.unservedRequests > 0;
    checks.push({
      name: 'fewer unserved than HPA', measured: `${Number.isFinite(fewer) ? `${fewer.toFixed(1)}×` : Number.isNaN(fewer) ? '–' : '∞×'} (${formatCompact(chuanliu.unservedRequests)} vs ${formatCompact(hpa.unservedRequests)})`,
      target: `≥ ${TARGETS.fewerThanHpa}×`, passed: applicable ? fewer >= TARGETS.fewerThanHpa : undefined,
      ...(hpa.unservedRequests === 0 && chuanliu.unservedRequests > 0 ? { note: 'the HPA served everything here, so only 0 unserved would meet it' } : {}),
    });
  }
  if (staticPeak !== undefined && comparison.coreHoursSavedVsStaticPercent !== undefined) {
    const saved = comparison.coreHoursSavedVsStaticPercent;
    const equalOrBetter = chuanliu.unservedRequests <= staticPeak.unservedRequests;
    const oracleSaved = oracle === undefined ? undefined : (1 - oracle.onlineCoreHours / staticPeak.onlineCoreHours) * 100;
    checks.push({
      name: 'core-h saved vs static-peak', measured: `${saved.toFixed(1)}%${equalOrBetter ? '' : ` (unserved ${formatCompact(chuanliu.unservedRequests)} vs ${formatCompact(staticPeak.unservedRequests)})`}`,
      target: `≥ ${TARGETS.savedVsStaticPercent}% at ≤ unserved`, passed: saved >= TARGETS.savedVsStaticPercent && equalOrBetter,
      ...(oracleSaved !== undefined && oracleSaved < TARGETS.savedVsStaticPercent ? { note: `the oracle itself saves ${oracleSaved.toFixed(1)}%` } : {}),
    });
  }
  return checks;
}

function render(runs: readonly ScenarioRun[], variants: readonly Variant[], urgent: UrgentAcquireMeasurement): BenchPartResult {
  const failures: string[] = [];
  const lines: string[] = [
    '## chuanliu end to end: forecast → plan → controller on replayed traffic',
    '',
    'Produced by `npm run bench` (part `chuanliu`, alone: `npx tsx bench/chuanliu.ts`). Every shipped scenario (`sim/*.yaml`) is replayed at its own resolution (1 s ticks) through the five strategies in one process; chuanliu is the real forecaster, planner and controller (with its reactive guard) on the simulated cluster, forecasting only from history before `now` (the trace rows before the start, or earlier SYNTHETIC days of the generator for double11) and what monitoring reported since, 30 s late. Ratios are chuanliu ÷ the yardstick in the same run. Targets from issue 4; ✅ met, ❌ missed, – not applicable.',
    '',
    '| scenario | kind | check | chuanliu | target | |',
    '|---|---|---|---|---|---|',
  ];
  for (const run of runs) {
    const kind = run.spiky ? 'spiky (unforecast pulses)' : run.scenario.synthetic ? 'planned peaks (SYNTHETIC)' : 'planned peaks (real trace)';
    for (const check of checksFor(run)) {
      const mark = check.passed === undefined ? '–' : check.passed ? '✅' : '❌';
      lines.push(`| ${run.scenario.name} | ${kind} | ${check.name} | ${check.measured} | ${check.target} | ${mark}${check.note !== undefined ? ` ${check.note}` : ''} |`);
      if (check.passed === false) failures.push(`${run.scenario.name}: ${check.name} ${check.measured} (target ${check.target})`);
    }
  }

  lines.push('', '### Scores (the same runs)', '', '| scenario | strategy | unserved % | unserved requests | at event starts s | online core-h | offline core-h | scaling writes |', '|---|---|---|---|---|---|---|---|');
  for (const run of runs) {
    for (const score of run.scores) {
      lines.push(`| ${run.scenario.name} | ${score.strategy === 'chuanliu' ? '**chuanliu**' : score.strategy} | ${formatPercent(score.unservedPercent)} | ${formatCompact(score.unservedRequests)} | ${formatCompact(score.unservedSecondsAtEventStarts)} | ${formatCompact(score.onlineCoreHours)} | ${formatCompact(score.offlineCoreHoursDone)} | ${formatCompact(score.scalingWrites)} |`);
    }
  }

  lines.push('', '### The reactive guard, per emergency', '', `Onset = end of the first observed window above the band minus the 30 s metrics lag (when demand left the band); signal = the first live sample above band × 1.1 (when the monitoring signal crossed the band); floor written = the guard's decision (${GUARD_DEFAULTS.consecutiveSamples} samples 5 s apart above band × 1.1; the floor, sized on the rate's trend over those samples ${formatDurationMs(GUARD_DEFAULTS.trendHorizonMs)} ahead, is written in the same tick, not after the drains of the offline work it takes room from); Ready = the first 5 s tick with the emergency floor's replicas Ready (0 s: the HPA net already had them); unserved = the workload's unserved requests from onset to Ready.`, '', '| scenario | workload | onset (UTC) | observed / band rps | floor | onset → engaged | signal → floor written | floor → Ready | onset → Ready | unserved onset → Ready |', '|---|---|---|---|---|---|---|---|---|---|');
  let responses = 0;
  let slowestEngageMs = 0;
  for (const run of runs) {
    for (const response of run.guard) {
      responses += 1;
      slowestEngageMs = Math.max(slowestEngageMs, response.engagedAtMs - response.signalAtMs);
      lines.push(`| ${run.scenario.name} | ${response.workload} | ${new Date(response.onsetMs).toISOString().slice(0, 19)} | ${formatCompact(response.miss.observedRps)} / ${formatCompact(response.miss.bandRps)} | ${response.floorReplicas} | ${formatDurationMs(response.engagedAtMs - response.onsetMs)} | ${formatDurationMs(response.engagedAtMs - response.signalAtMs)} | ${response.readyAtMs === undefined ? 'not by the end' : formatDurationMs(response.readyAtMs - response.engagedAtMs)} | ${response.readyAtMs === undefined ? 'not by the end' : formatDurationMs(response.readyAtMs - response.onsetMs)} | ${response.unservedRequests === undefined ? '–' : formatCompact(response.unservedRequests)} |`);
    }
  }
  if (responses === 0) lines.push('| – | – | no emergency in any scenario | | | | | | | |');
  const engageOk = slowestEngageMs <= ENGAGE_GOAL_MS;
  lines.push('', `Signal → floor written, slowest of the ${responses} emergencies: ${formatDurationMs(slowestEngageMs)} (goal ≤ ${formatDurationMs(ENGAGE_GOAL_MS)}) ${engageOk ? '✅' : '❌'}.`);
  if (!engageOk) failures.push(`guard: signal → floor written ${formatDurationMs(slowestEngageMs)} (goal ≤ ${formatDurationMs(ENGAGE_GOAL_MS)})`);

  const urgentFailure = urgentAcquireFailure(urgent);
  if (urgentFailure !== undefined) failures.push(`urgent acquire: ${urgentFailure}`);
  lines.push(
    '', '### Urgent capacity with offline drains in flight (emulation)', '',
    `The kube-api emulation over HTTP, the Kubernetes adapter, the real guard and reconcile (bench/urgent-acquire.ts; SYNTHETIC full cluster): an unforecast pulse on pay-0000 (400 rps against a 100 rps band, 2 samples 1 s apart) needs room that offline pods hold; the guard caps them and their ${formatDurationMs(URGENT_DRAIN_MS)} grace period starts. Baseline, same run: that drain, from the offline release to its pods gone — what the acquire waited for before (issue 14: 23 s to 5 min 37 s late on a real control plane). The part fails when the online write comes after the drain, or when no offline pod was still terminating at the online write.`,
    '', '| measure | value |', '|---|---|',
    `| signal (first breaching sample) → online write | ${formatDurationMs(urgent.signalToOnlineWriteMs)} (${urgent.signalToOnlineWriteMs} ms) |`,
    `| engage (second sample) → online write | ${urgent.engageToOnlineWriteMs} ms |`,
    `| offline release → its pods gone (the wait it used to be) | ${formatDurationMs(urgent.drainObservedMs)} |`,
    `| ratio: signal → online write ÷ the drain | ${(urgent.signalToOnlineWriteMs / urgent.drainObservedMs).toFixed(3)} |`,
    `| offline pods still terminating at the online write | ${urgent.terminatingAtOnlineWrite} |`,
    `| offline released before the online write | ${urgent.releasedFirst ? 'yes' : 'no'} |`,
    `| | ${urgentFailure === undefined ? '✅ the acquire did not wait behind the drain' : `❌ ${urgentFailure}`} |`,
    '', `The controller's log line for that tick: \`${urgent.message.replace(/`/g, "'")}\``,
  );

  if (variants.length > 0) {
    lines.push('', '### What was tried (same scenarios, other chuanliu settings)', '', '| scenario | settings | why | unserved % | online core-h vs oracle | offline vs oracle | unserved vs HPA |', '|---|---|---|---|---|---|---|');
    for (const variant of variants) {
      const { comparison } = variant.run;
      lines.push(`| ${variant.run.scenario.name} | \`${JSON.stringify(variant.settings)}\` | ${variant.why} | ${formatPercent(comparison.chuanliu.unservedPercent)} | ${comparison.coreHoursVsOracle?.toFixed(2)}× | ${comparison.offlineVsOracle === undefined ? '–' : `${(comparison.offlineVsOracle * 100).toFixed(1)}%`} | ${comparison.unservedFewerThanHpa === undefined ? '–' : `${comparison.unservedFewerThanHpa.toFixed(1)}× fewer`} |`);
    }
  }

  lines.push('', `chuanliu's own wall time per scenario on this machine (forecasts, plans, controller ticks and the simulation): ${runs.map((run) => `${run.scenario.name} ${run.chuanliuSeconds.toFixed(1)} s (${run.plans} plans)`).join(', ')}.`);
  return { markdown: lines.join('\n'), failures };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await chuanliuBenchPart.run({ quick: process.argv.includes('--quick'), log: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(`${result.markdown}\n`);
  for (const failure of result.failures) process.stderr.write(`MISSED ${failure}\n`);
}
