/**
 * Loads a scenario file: validates it (every problem at once, each with file, line and field),
 * reads its traces and calendar, and builds the per-tick demand. Relative paths are resolved
 * against the scenario's folder.
 *
 * Trace replay: the trace is read with the shared reader (gaps and outages become NaN), shifted by
 * `timeShift`, multiplied by `scale`, cut to the scenario window (plus one bucket each side for
 * interpolation); NaN buckets inside the window are filled by linear interpolation between their
 * valid neighbours and counted in the traffic notes. Per tick, the rate is interpolated (linear
 * through bucket centres, or step) and Poisson arrival noise is drawn (see traffic-model.ts).
 */
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PeakCalendar } from '../domain/calendar.ts';
import { eventOccurrences } from '../domain/calendar-occurrences.ts';
import { InputError } from '../domain/errors.ts';
import type { RegularSeries } from '../domain/series.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../domain/workload.ts';
import { formatDurationMs } from '../domain/units.ts';
import { configFileSchema, loadConfigFile, readInputFile } from '../config/load-config.ts';
import {
  issuesToProblems, parseLocatedYaml, problemsToError, validateLocated, type LocatedYaml, type YamlProblem,
} from '../config/validate-yaml.ts';
import { loadCalendarFile } from '../calendar/load-calendar.ts';
import { calendarWithAnnounced, parseAnnouncedPeakEvent, type AnnouncedPeakEvent, type AnnouncedPeakEventInput } from './announced-events.ts';
import { readTraceFile } from '../adapters/traces/read-trace.ts';
import { SHIPPED_TRACES } from '../adapters/traces/catalog.ts';
import type { MetricsPipelineSpec, ServingQueueSpec } from '../adapters/memory/cluster-spec.ts';
import { generateStackedPeakTraffic } from './synthetic-traffic.ts';
import { syntheticHistorySource, traceHistorySource, type DemandHistorySource } from './demand-history.ts';
import { buildScenario, type Scenario } from './scenario.ts';
import { scenarioFileSchema, type ScenarioFile, type SyntheticTraffic, type TraceTraffic } from './scenario-schema.ts';
import type { ScenarioView, StrategyRegistry } from './strategy.ts';
import { TrafficModel, type DemandCurve } from './traffic-model.ts';

export interface LoadScenarioOptions {
  /** Strategies whose settings may appear under `strategies:`. */
  readonly registry: StrategyRegistry;
  /** Replaces the file's seed (traffic noise, startup draws, metric lags). */
  readonly seed?: number;
  /** Short-notice PeakEvents added to the file's own `peakEvents` (the demo's livestream). */
  readonly peakEvents?: readonly AnnouncedPeakEventInput[];
}

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

export async function loadScenarioFile(path: string, options: LoadScenarioOptions): Promise<Scenario> {
  const text = await readInputFile(path, 'scenario');
  return parseScenarioText(text, path, { ...options, baseDir: dirname(resolve(path)) });
}

export async function parseScenarioText(
  text: string, source: string, options: LoadScenarioOptions & { baseDir?: string },
): Promise<Scenario> {
  const located = parseLocatedYaml(text, source);
  const file = validateLocated(located, scenarioFileSchema);
  const baseDir = options.baseDir ?? process.cwd();
  const at = (path: string): string => (isAbsolute(path) ? path : resolve(baseDir, path));
  const seed = options.seed ?? file.seed;

  // ---- inventory ----------------------------------------------------------------------------
  let nodePools: readonly NodePool[];
  let online: readonly OnlineWorkload[];
  let offline: readonly OfflineWorkload[];
  let calendarPath = file.calendar !== undefined ? at(file.calendar) : undefined;
  if (file.config !== undefined) {
    const configPath = at(file.config);
    const config = await relocate(() => loadConfigFile(configPath), located, ['config']);
    nodePools = config.inventory.nodePools;
    online = config.inventory.online;
    offline = config.inventory.offline;
    calendarPath ??= config.calendarPath;
  } else {
    const parsed = configFileSchema.safeParse(
      { nodePools: file.nodePools, online: file.online ?? [], offline: file.offline ?? [] }, { reportInput: true },
    );
    if (!parsed.success) throw problemsToError(issuesToProblems(located, parsed.error.issues));
    nodePools = parsed.data.nodePools;
    online = parsed.data.online;
    offline = parsed.data.offline;
  }

  const problems: YamlProblem[] = [];
  const onlineNames = online.map((workload) => workload.name);
  const calendar = calendarPath === undefined ? undefined
    : await relocate(() => loadCalendarFile(calendarPath, { workloads: onlineNames }), located, ['calendar']);
  const announcedEvents = announcedPeakEvents(file, located, problems, options.peakEvents ?? [], { source, onlineWorkloads: onlineNames });
  // What the traffic follows (and what is scored at event starts): the calendar and every announced event.
  const trafficCalendar = calendarWithAnnounced(calendar, announcedEvents, onlineNames);

  // ---- strategies ---------------------------------------------------------------------------
  const view = inventoryView(file, seed, nodePools, online, offline, trafficCalendar, announcedEvents);
  const strategySettings: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(file.strategies)) {
    if (!options.registry.has(name)) {
      problems.push(located.problem(['strategies', name], `expected a known strategy (${options.registry.names().join(', ')}), got "${name}"`));
      continue;
    }
    const factory = options.registry.get(name);
    const parsed = factory.settingsSchema.safeParse(raw ?? undefined, { reportInput: true });
    if (!parsed.success) {
      problems.push(...issuesToProblems(located, parsed.error.issues.map((issue) => ({ ...issue, path: ['strategies', name, ...issue.path] }))));
      continue;
    }
    for (const problem of factory.check?.(parsed.data, view) ?? []) {
      problems.push(located.problem(['strategies', name, ...problem.path], problem.message));
    }
    strategySettings[name] = parsed.data;
  }

  // ---- traffic ------------------------------------------------------------------------------
  const workloads = [...online, ...offline];
  const curves: (DemandCurve | undefined)[] = workloads.map(() => undefined);
  const queues: (ServingQueueSpec | undefined)[] = workloads.map(() => undefined);
  const histories: (DemandHistorySource | undefined)[] = workloads.map(() => undefined);
  const notes: string[] = [];
  const sources: string[] = [];
  let synthetic = false;
  const seen = new Map<string, number>();
  for (const [position, entry] of file.traffic.entries()) {
    const path = ['traffic', position];
    const index = workloads.findIndex((workload) => workload.name === entry.workload);
    if (index < 0 || workloads[index]!.class !== 'online') {
      problems.push(located.problem([...path, 'workload'], `expected an online workload of the scenario (${onlineNames.join(', ')}), got "${entry.workload}"`));
      continue;
    }
    const first = seen.get(entry.workload);
    if (first !== undefined) {
      problems.push(located.problem([...path, 'workload'], `expected one traffic entry per workload, "${entry.workload}" already has traffic[${first}]`));
      continue;
    }
    seen.set(entry.workload, position);
    if (entry.queue !== undefined) queues[index] = { capacityRequests: entry.queue.capacityRequests, timeoutMs: entry.queue.timeout };
    try {
      if (entry.trace !== undefined) {
        const { curve, note, sourceText, history } = await traceCurve(entry.trace, at(entry.trace.path), file, located, [...path, 'trace']);
        curves[index] = curve;
        histories[index] = history;
        notes.push(`${entry.workload}: ${note}`);
        sources.push(sourceText);
      } else if (entry.synthetic !== undefined) {
        const syntheticPath = entry.synthetic.calendar !== undefined ? at(entry.synthetic.calendar) : undefined;
        const eventsCalendar = syntheticPath === undefined ? trafficCalendar
          : calendarWithAnnounced(await relocate(() => loadCalendarFile(syntheticPath, { workloads: onlineNames }), located, [...path, 'synthetic', 'calendar']), announcedEvents, onlineNames);
        if (eventsCalendar === undefined) {
          problems.push(located.problem([...path, 'synthetic', 'calendar'], 'expected a calendar for synthetic traffic (here or at the scenario\'s `calendar`)'));
          continue;
        }
        curves[index] = syntheticCurve(entry.synthetic, eventsCalendar, entry.workload, file, seed);
        histories[index] = syntheticHistory(entry.synthetic, eventsCalendar, entry.workload, seed);
        synthetic = true;
        notes.push(`${entry.workload}: SYNTHETIC stacked-peak traffic from ${displayPath(eventsCalendar.source)}, step ${formatDurationMs(entry.synthetic.step)}, noise cv ${entry.synthetic.noiseCv} + ${entry.synthetic.noise} arrivals`);
        sources.push(`synthetic stacked-peak generator (${displayPath(eventsCalendar.source)})`);
      }
    } catch (error) {
      if (error instanceof ScenarioProblem) {
        problems.push(error.problem);
        continue;
      }
      throw error;
    }
  }
  online.forEach((workload) => {
    if (!seen.has(workload.name)) {
      problems.push(located.problem(['traffic'], `expected a traffic entry for every online workload, "${workload.name}" has none`));
    }
  });
  if (problems.length > 0) throw problemsToError(problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));

  const pipeline = file.metricsPipeline;
  const metricsPipeline: MetricsPipelineSpec | undefined = pipeline === undefined ? undefined : {
    ...(pipeline.syncPeriod !== undefined ? { syncPeriodMs: pipeline.syncPeriod } : {}),
    ...(pipeline.metricResolution !== undefined ? { metricResolutionMs: pipeline.metricResolution } : {}),
    ...(pipeline.kubeletMaxAge !== undefined ? { kubeletMaxAgeMs: pipeline.kubeletMaxAge } : {}),
    ...(pipeline.window !== undefined ? { windowMs: pipeline.window } : {}),
    ...(pipeline.cpuInitializationPeriod !== undefined ? { cpuInitializationPeriodMs: pipeline.cpuInitializationPeriod } : {}),
    ...(pipeline.initialReadinessDelay !== undefined ? { initialReadinessDelayMs: pipeline.initialReadinessDelay } : {}),
  };
  return buildScenario({
    name: file.name,
    description: file.description,
    synthetic,
    trafficSource: [...new Set(sources)].join('; '),
    source,
    startMs: file.start,
    endMs: file.end,
    tickMs: file.tick,
    seed,
    nodePools,
    online,
    offline,
    events: view.events,
    ...(calendar !== undefined ? { calendar } : {}),
    traffic: new TrafficModel({ startMs: file.start, tickMs: file.tick, seed, curves }),
    queues,
    strategySettings,
    ...(metricsPipeline !== undefined ? { metricsPipeline } : {}),
    ...(file.autoscaler !== undefined ? {
      autoscaler: {
        ...(file.autoscaler.scanInterval !== undefined ? { scanIntervalMs: file.autoscaler.scanInterval } : {}),
        ...(file.autoscaler.scaleDownUnneeded !== undefined ? { scaleDownUnneededMs: file.autoscaler.scaleDownUnneeded } : {}),
      },
    } : {}),
    observedLagMs: file.observedLag,
    trafficNotes: notes,
    histories,
    announcedEvents,
  });
}

class ScenarioProblem extends Error {
  readonly problem: YamlProblem;
  constructor(problem: YamlProblem) {
    super(problem.message);
    this.problem = problem;
  }
}

/** Runs a load of another file; its InputError is reported at the scenario field that named the file. */
async function relocate<T>(load: () => Promise<T>, located: LocatedYaml, path: PropertyKey[]): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    const details = error.details.length > 0 ? ` (${error.details.join('; ')})` : '';
    throw problemsToError([located.problem(path, `${error.message}${details}`)]);
  }
}

/**
 * The file's `peakEvents` (a bad one is a problem at its own line and field) and the caller's (the
 * demo's: a bad one throws, naming it).
 */
function announcedPeakEvents(
  file: ScenarioFile, located: LocatedYaml, problems: YamlProblem[], extra: readonly AnnouncedPeakEventInput[],
  context: { readonly source: string; readonly onlineWorkloads: readonly string[] },
): AnnouncedPeakEvent[] {
  const window = { runStartMs: file.start, runEndMs: file.end, onlineWorkloads: context.onlineWorkloads };
  const announced: AnnouncedPeakEvent[] = [];
  file.peakEvents.forEach((entry, index) => {
    try {
      announced.push(parseAnnouncedPeakEvent({ announcedAtMs: entry.announcedAt, object: entry.event }, { ...window, source: `peakEvents[${index}]` }));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      const field = error.location.field ?? '';
      const path = field === 'announcedAt' ? ['peakEvents', index, 'announcedAt'] : ['peakEvents', index, 'event', ...field.split('.').filter((part) => part !== '')];
      problems.push(located.problem(path, error.bareMessage));
    }
  });
  extra.forEach((input, index) => {
    announced.push(parseAnnouncedPeakEvent(input, { ...window, source: `${context.source}: added PeakEvent ${index + 1} (${input.object.metadata.name ?? 'unnamed'})` }));
  });
  return announced;
}

function inventoryView(
  file: ScenarioFile, seed: number, nodePools: readonly NodePool[], online: readonly OnlineWorkload[],
  offline: readonly OfflineWorkload[], calendar: PeakCalendar | undefined, announcedEvents: readonly AnnouncedPeakEvent[],
): ScenarioView {
  const workloads = [...online, ...offline];
  return {
    name: file.name, startMs: file.start, endMs: file.end, tickMs: file.tick, seed, nodePools, workloads, online, offline,
    events: calendar === undefined ? [] : eventOccurrences(calendar, file.start, file.end),
    announcedEvents,
    workloadIndex: (name) => {
      const index = workloads.findIndex((workload) => workload.name === name);
      return index < 0 ? undefined : index;
    },
  };
}

async function traceCurve(
  trace: TraceTraffic, absolutePath: string, file: ScenarioFile, located: LocatedYaml, path: PropertyKey[],
): Promise<{ curve: DemandCurve; note: string; sourceText: string; history: DemandHistorySource }> {
  const shipped = SHIPPED_TRACES.find((candidate) => resolve(repositoryRoot, candidate.path) === absolutePath);
  let read;
  try {
    read = await readTraceFile(absolutePath, {
      timeZone: trace.timeZone ?? shipped?.timeZone ?? 'UTC',
      outageWindows: shipped?.outageWindows ?? [],
      ...(trace.bucket !== undefined ? { bucketMs: trace.bucket } : {}),
      ...(trace.column !== undefined ? { valueColumn: trace.column } : {}),
      ...(trace.timeColumn !== undefined ? { timeColumn: trace.timeColumn } : {}),
      ...(trace.delimiter !== undefined ? { delimiter: trace.delimiter } : {}),
      ...(trace.timeFormat !== undefined ? { timeFormat: trace.timeFormat } : {}),
    });
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    throw new ScenarioProblem(located.problem([...path, 'path'], `cannot use trace ${trace.path}: ${error.message}`));
  }
  const series = read.series;
  const shifted = series.startMs + trace.timeShift;
  const stepMs = series.stepMs;
  const firstBucket = Math.floor((file.start - shifted) / stepMs) - 1;
  const endBucket = Math.ceil((file.end - shifted) / stepMs) + 1;
  const coveredFrom = shifted;
  const coveredTo = shifted + series.values.length * stepMs;
  if (file.start < coveredFrom || file.end > coveredTo) {
    throw new ScenarioProblem(located.problem([...path, 'path'],
      `expected a trace covering the scenario window after timeShift ${formatDurationMs(trace.timeShift)}, but ${trace.path} covers ${new Date(coveredFrom).toISOString()} → ${new Date(coveredTo).toISOString()}`));
  }
  const count = endBucket - firstBucket;
  const values = new Float64Array(count);
  let missing = 0;
  for (let position = 0; position < count; position += 1) {
    const bucket = Math.min(series.values.length - 1, Math.max(0, firstBucket + position));
    const value = series.values[bucket]!;
    values[position] = Number.isNaN(value) ? Number.NaN : value * trace.scale;
    if (Number.isNaN(value)) missing += 1;
  }
  if (missing === count) {
    throw new ScenarioProblem(located.problem([...path, 'path'], `expected data in the scenario window, but every bucket of ${trace.path} there is a gap or an outage`));
  }
  fillGapsLinearly(values);
  const base: RegularSeries = { startMs: shifted + firstBucket * stepMs, stepMs, values, unit: 'requests/s' };
  const where = displayPath(absolutePath);
  const note = `${where} at ${formatDurationMs(stepMs)} buckets × ${trace.scale}, shifted ${formatDurationMs(trace.timeShift)}, `
    + `${trace.interpolation} interpolation + ${trace.noise} arrivals${missing > 0 ? `; ${missing} gap/outage buckets filled linearly` : ''}`;
  const sourceText = shipped !== undefined ? `${shipped.description} [${shipped.license}]` : where;
  // The whole cleaned trace (gaps and outages still NaN), scaled and shifted like the replay: the
  // rows before the start are the history a forecasting strategy may read.
  const scaled = Float64Array.from(series.values, (value) => value * trace.scale);
  const history = traceHistorySource(
    { startMs: shifted, stepMs, values: scaled, unit: 'requests/s' },
    `${where} rows before the start (× ${trace.scale}, gaps and outages left out)`,
  );
  return { curve: { base, interpolation: trace.interpolation, noise: trace.noise }, note, sourceText, history };
}

/** Replaces NaN runs by the straight line between their valid neighbours (or the nearest valid value at the ends). */
export function fillGapsLinearly(values: Float64Array): void {
  let lastValid = -1;
  for (let index = 0; index <= values.length; index += 1) {
    if (index < values.length && Number.isNaN(values[index]!)) continue;
    const gapStart = lastValid + 1;
    if (index > gapStart) {
      for (let gap = gapStart; gap < index; gap += 1) {
        if (lastValid < 0) values[gap] = values[index]!;
        else if (index >= values.length) values[gap] = values[lastValid]!;
        else {
          const fraction = (gap - lastValid) / (index - lastValid);
          values[gap] = values[lastValid]! * (1 - fraction) + values[index]! * fraction;
        }
      }
    }
    lastValid = index;
  }
}

function syntheticCurve(
  synthetic: SyntheticTraffic, calendar: PeakCalendar, workload: string, file: ScenarioFile, seed: number,
): DemandCurve {
  const { series } = generateStackedPeakTraffic({
    calendar, workload, startMs: file.start, endMs: file.end, stepMs: synthetic.step,
    baseline: {
      meanRps: synthetic.baseline.meanRps,
      dailyAmplitude: synthetic.baseline.dailyAmplitude,
      peakHourLocal: synthetic.baseline.peakHour,
      timeZone: synthetic.baseline.timeZone,
      weeklyAmplitude: synthetic.baseline.weeklyAmplitude,
    },
    noiseCv: synthetic.noiseCv,
    seed,
  });
  return { base: series, interpolation: 'step', noise: synthetic.noise };
}

function syntheticHistory(synthetic: SyntheticTraffic, calendar: PeakCalendar, workload: string, seed: number): DemandHistorySource {
  return syntheticHistorySource({
    calendar, workload, seed, noiseCv: synthetic.noiseCv, replayStepMs: synthetic.step,
    baseline: {
      meanRps: synthetic.baseline.meanRps,
      dailyAmplitude: synthetic.baseline.dailyAmplitude,
      peakHourLocal: synthetic.baseline.peakHour,
      timeZone: synthetic.baseline.timeZone,
      weeklyAmplitude: synthetic.baseline.weeklyAmplitude,
    },
  });
}

function displayPath(path: string): string {
  const fromRoot = relative(repositoryRoot, path);
  return fromRoot.startsWith('..') ? basename(path) : fromRoot;
}
