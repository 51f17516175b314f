/**
 * `simulate --sweep` and the `frontier` benchmark: which runs make a scenario's frontier, and
 * running them — in this process or spread over worker processes. Every run is one strategy on a
 * fresh simulated cluster with the scenario's seed, so its result does not depend on where or in
 * which order it ran; results are returned in the order of the runs.
 *
 * The runs: the HPA at CPU targets 20, 30, … 80 % (the scenario's other HPA settings kept),
 * static-peak, keda-cron and the oracle at the scenario's settings, chuanliu at its defaults, and
 * chuanliu swept over its one risk knob, `forecast.quantile` (the demand quantile every online
 * workload is provisioned for).
 */
import { fork } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runSimulation } from '../engine.ts';
import { loadScenarioFile } from '../load-scenario.ts';
import type { Scenario } from '../scenario.ts';
import { builtinStrategies } from '../strategies/index.ts';
import { frontierVerdict, type FrontierPoint, type ScenarioFrontier } from './frontier.ts';

/** CPU targets the HPA is swept over, percent. */
export const HPA_TARGETS_PERCENT: readonly number[] = [20, 30, 40, 50, 60, 70, 80];

/** chuanliu's risk knob: the demand quantile online workloads are provisioned for. */
export const CHUANLIU_RISK_KNOB = {
  name: 'forecast.quantile',
  values: [0.5, 0.8, 0.9, 0.95, 0.99, 0.999] as readonly number[],
} as const;

export interface SweepRun {
  readonly scenarioPath: string;
  /** Replaces the scenario's seed (`simulate --seed`). */
  readonly seed?: number;
  readonly strategy: string;
  readonly label: string;
  readonly knob?: { readonly name: string; readonly value: number };
  readonly isDefault: boolean;
  /** Merged into the strategy's settings for the scenario (nested objects merged key by key). */
  readonly patch?: Readonly<Record<string, unknown>>;
}

/** The runs of one scenario's frontier. */
export function sweepRuns(scenarioPath: string, options: { readonly seed?: number } = {}): SweepRun[] {
  const runs: SweepRun[] = HPA_TARGETS_PERCENT.map((target) => ({
    scenarioPath, strategy: 'hpa', label: `hpa ${target}%`, knob: { name: 'targetUtilization', value: target }, isDefault: false,
    patch: { targetUtilization: target },
  }));
  runs.push(
    { scenarioPath, strategy: 'static-peak', label: 'static-peak', isDefault: true },
    { scenarioPath, strategy: 'keda-cron', label: 'keda-cron', isDefault: true },
    { scenarioPath, strategy: 'oracle', label: 'oracle', isDefault: true },
    { scenarioPath, strategy: 'chuanliu', label: 'chuanliu (defaults)', isDefault: true },
  );
  for (const value of CHUANLIU_RISK_KNOB.values) {
    runs.push({
      scenarioPath, strategy: 'chuanliu', label: `chuanliu q=${value}`, knob: { name: CHUANLIU_RISK_KNOB.name, value }, isDefault: false,
      patch: { forecast: { quantile: value } },
    });
  }
  return options.seed === undefined ? runs : runs.map((run) => ({ ...run, seed: options.seed as number }));
}

const scenarios = new Map<string, Promise<Scenario>>();

function loadCached(path: string, seed: number | undefined): Promise<Scenario> {
  const key = `${seed ?? ''}\u0000${path}`;
  let loaded = scenarios.get(key);
  if (loaded === undefined) {
    loaded = loadScenarioFile(path, { registry: builtinStrategies(), ...(seed !== undefined ? { seed } : {}) });
    scenarios.set(key, loaded);
  }
  return loaded;
}

/** `patch` merged into `base`: objects key by key, anything else replaced. */
export function mergeSettings(base: unknown, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(isObject(base) ? base : {}) };
  for (const [key, value] of Object.entries(patch)) {
    merged[key] = isObject(value) ? mergeSettings(merged[key], value) : value;
  }
  return merged;
}

/** The keys of `patch`, with their values as the schema parsed them (in `parsed`). */
function parsedPatch(parsed: unknown, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const source = isObject(parsed) ? parsed : {};
  for (const [key, value] of Object.entries(patch)) out[key] = isObject(value) ? parsedPatch(source[key], value) : source[key];
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Runs one point of a frontier in this process. */
export async function runSweepPoint(run: SweepRun): Promise<FrontierPoint> {
  const registry = builtinStrategies();
  const loaded = await loadCached(run.scenarioPath, run.seed);
  const factory = registry.get(run.strategy);
  const base = loaded.strategySettings[run.strategy] ?? factory.settingsSchema.parse(undefined);
  // The patch alone must pass the strategy's schema (it is merged into settings already parsed,
  // whose durations are milliseconds and would not parse again).
  // Its values are taken parsed (a duration "1m" becomes 60000).
  const scenario: Scenario = run.patch === undefined ? loaded : {
    ...loaded,
    strategySettings: { ...loaded.strategySettings, [run.strategy]: mergeSettings(base, parsedPatch(factory.settingsSchema.parse(run.patch), run.patch)) },
  };
  const result = await runSimulation(scenario, { strategies: [run.strategy], registry, workloadTimelines: false });
  const score = result.scores[0];
  if (score === undefined) throw new Error(`${run.scenarioPath}: ${run.label} produced no score`);
  return {
    strategy: run.strategy,
    label: run.label,
    ...(run.knob !== undefined ? { knob: run.knob } : {}),
    isDefault: run.isDefault,
    unservedRequests: score.unservedRequests,
    demandRequests: score.demandRequests,
    onlineCoreHours: score.onlineCoreHours,
  };
}

export interface SweepOptions {
  /** Worker processes; 1 runs everything in this process. @defaultValue min(2, available cores) */
  readonly workers?: number;
  /** Called as each run finishes (in completion order). */
  readonly onDone?: (progress: { readonly done: number; readonly total: number; readonly run: SweepRun; readonly point: FrontierPoint; readonly seconds: number }) => void;
}

/** Runs every run; the points come back in the order of `runs` whatever the workers did. */
export async function runSweep(runs: readonly SweepRun[], options: SweepOptions = {}): Promise<FrontierPoint[]> {
  const workers = Math.max(1, Math.min(options.workers ?? Math.min(2, availableParallelism()), runs.length));
  const points = new Array<FrontierPoint | undefined>(runs.length);
  let done = 0;
  const finish = (index: number, point: FrontierPoint, seconds: number): void => {
    points[index] = point;
    done += 1;
    options.onDone?.({ done, total: runs.length, run: runs[index] as SweepRun, point, seconds });
  };
  // The slowest runs first (chuanliu), so a worker is not left with one long run at the end.
  const order = runs.map((_, index) => index).sort((a, b) => cost(runs[b] as SweepRun) - cost(runs[a] as SweepRun) || a - b);
  if (workers === 1) {
    for (const index of order) {
      const startedAt = performance.now();
      finish(index, await runSweepPoint(runs[index] as SweepRun), (performance.now() - startedAt) / 1000);
    }
  } else {
    let next = 0;
    await Promise.all(Array.from({ length: workers }, () => new Promise<void>((resolve, reject) => {
      const child = fork(fileURLToPath(new URL('./sweep-worker.ts', import.meta.url)), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let current: number | undefined;
      const give = (): void => {
        if (next >= order.length) {
          current = undefined;
          child.disconnect();
          return;
        }
        current = order[next++] as number;
        child.send({ index: current, run: runs[current] });
      };
      child.on('message', (message: WorkerAnswer) => {
        if ('error' in message) {
          child.kill();
          reject(new Error(`${runs[message.index]?.label ?? 'a run'} of ${runs[message.index]?.scenarioPath ?? '?'} failed in a worker: ${message.error}`));
          return;
        }
        finish(message.index, message.point, message.seconds);
        give();
      });
      child.on('error', reject);
      child.on('exit', (code) => {
        if (current !== undefined) reject(new Error(`sweep worker exited with code ${code} during ${runs[current]?.label}`));
        else resolve();
      });
      give();
    })));
  }
  return points.map((point, index) => {
    if (point === undefined) throw new Error(`run ${runs[index]?.label} produced no point`);
    return point;
  });
}

export type WorkerAnswer =
  | { readonly index: number; readonly point: FrontierPoint; readonly seconds: number }
  | { readonly index: number; readonly error: string };

function cost(run: SweepRun): number {
  return run.strategy === 'chuanliu' ? 10 : 1;
}

/**
 * The frontier of every scenario in `paths`: each is loaded first (a bad scenario is reported
 * before anything runs), then all their runs share the workers.
 */
export async function sweepScenarios(paths: readonly string[], options: SweepOptions & { readonly seed?: number } = {}): Promise<ScenarioFrontier[]> {
  const scenarios = await Promise.all(paths.map((path) => loadCached(path, options.seed)));
  const perScenario = paths.map((path) => sweepRuns(path, options.seed !== undefined ? { seed: options.seed } : {}));
  const points = await runSweep(perScenario.flat(), options);
  let offset = 0;
  return scenarios.map((scenario, index) => {
    const count = (perScenario[index] as SweepRun[]).length;
    const own = points.slice(offset, offset + count);
    offset += count;
    return {
      scenario: { name: scenario.name, synthetic: scenario.synthetic, description: scenario.description, path: paths[index] as string },
      points: own,
      verdict: frontierVerdict(own),
    };
  });
}
