/**
 * Simulator benchmark: simulated seconds per wall-clock second for 10, 100 and 1,000 workloads (a
 * SYNTHETIC day at 1 s, every workload under the emulated HPA), the 1,000 vs 100 cost ratio, and the
 * outcome table of every shipped scenario (sim/*.yaml). Run alone with `npx tsx bench/simulator.ts`;
 * `runSimulatorBenchmark` returns the Markdown section for BENCHMARKS.md.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { createRng, deriveSeed } from '../src/domain/random.ts';
import type { NodePool, OnlineWorkload } from '../src/domain/workload.ts';
import { runSimulation } from '../src/simulator/engine.ts';
import { loadScenarioFile } from '../src/simulator/load-scenario.ts';
import type { SimulationResult } from '../src/simulator/result.ts';
import { buildScenario, type Scenario } from '../src/simulator/scenario.ts';
import { builtinStrategies, DEFAULT_STRATEGIES } from '../src/simulator/strategies/index.ts';
import { TrafficModel, type DemandCurve } from '../src/simulator/traffic-model.ts';
import { scoreColumns, bestByColumn } from '../src/report/score-columns.ts';

const DAY_MS = 86_400_000;
const BUCKET_MS = 60_000;

/** A SYNTHETIC day for `count` workloads: diurnal waves with seeded phases, sizes and a surge each. */
export function syntheticBenchScenario(count: number, options: { durationMs?: number; seed?: number } = {}): Scenario {
  const durationMs = options.durationMs ?? DAY_MS;
  const seed = options.seed ?? 42;
  const rng = createRng(deriveSeed(seed, `bench-${count}`));
  const buckets = Math.ceil(durationMs / BUCKET_MS) + 2;
  const online: OnlineWorkload[] = [];
  const curves: DemandCurve[] = [];
  let peakCores = 0;
  for (let index = 0; index < count; index += 1) {
    const meanRps = 200 + rng() * 1800;
    const phase = rng() * 2 * Math.PI;
    const surgeAt = Math.floor(rng() * buckets);
    const values = new Float64Array(buckets);
    let peak = 0;
    for (let bucket = 0; bucket < buckets; bucket += 1) {
      const wave = 1 + 0.6 * Math.sin((2 * Math.PI * bucket * BUCKET_MS) / DAY_MS + phase);
      const surge = bucket >= surgeAt && bucket < surgeAt + 20 ? 2.5 : 1;
      values[bucket] = meanRps * wave * surge;
      peak = Math.max(peak, values[bucket]!);
    }
    const name = `svc-${String(index).padStart(4, '0')}`;
    online.push({
      class: 'online', name, ref: { apiKind: 'Deployment', namespace: 'bench', name },
      rpsPerReplica: 100, perReplica: { cpuMillicores: 500, memoryBytes: 512 * 1024 ** 2 },
      startup: { p50Ms: 20_000, p95Ms: 45_000 }, minReplicas: 2, maxReplicas: 500, priority: 100, demandQuantile: 0.99,
    });
    curves.push({ base: { startMs: -BUCKET_MS, stepMs: BUCKET_MS, values, unit: 'requests/s' }, interpolation: 'linear', noise: 'poisson' });
    peakCores += (Math.ceil(peak / 100) / 0.7) * 0.5;
  }
  const pool: NodePool = {
    name: 'general', perNode: { cpuMillicores: 64_000, memoryBytes: 256 * 1024 ** 3 },
    baseNodes: Math.ceil((peakCores * 1.2) / 64) + 1, costPerNodeHour: 3,
  };
  return buildScenario({
    name: `bench-${count}-workloads`, description: 'SYNTHETIC benchmark day', synthetic: true, trafficSource: 'synthetic (bench)',
    source: 'bench/simulator.ts', startMs: 0, endMs: durationMs, tickMs: 1000, seed, nodePools: [pool], online, offline: [],
    events: [], traffic: new TrafficModel({ startMs: 0, tickMs: 1000, seed, curves }),
  });
}

export interface SpeedFigure {
  readonly workloads: number;
  readonly strategy: string;
  readonly simulatedSeconds: number;
  readonly wallSeconds: number;
  /** CPU time of the process (user + system): the "one core" figure, robust to a shared machine. */
  readonly cpuSeconds: number;
  readonly simulatedSecondsPerWallSecond: number;
  readonly simulatedSecondsPerCpuSecond: number;
}

export async function measureSpeed(workloads: number, strategy: string, durationMs = DAY_MS): Promise<SpeedFigure> {
  const scenario = syntheticBenchScenario(workloads, { durationMs });
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  await runSimulation(scenario, { strategies: [strategy], registry: builtinStrategies(), workloadTimelines: false });
  const wallSeconds = (performance.now() - startedAt) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const simulatedSeconds = durationMs / 1000;
  return {
    workloads, strategy, simulatedSeconds, wallSeconds, cpuSeconds,
    simulatedSecondsPerWallSecond: simulatedSeconds / wallSeconds,
    simulatedSecondsPerCpuSecond: simulatedSeconds / cpuSeconds,
  };
}

const simDirectory = fileURLToPath(new URL('../sim/', import.meta.url));

export async function shippedScenarioResults(): Promise<SimulationResult[]> {
  const registry = builtinStrategies();
  const files = (await readdir(simDirectory)).filter((file) => file.endsWith('.yaml') && !file.startsWith('config.')).sort();
  const results: SimulationResult[] = [];
  for (const file of files) {
    const scenario = await loadScenarioFile(simDirectory + file, { registry });
    results.push(await runSimulation(scenario, { strategies: [...DEFAULT_STRATEGIES], registry, workloadTimelines: false }));
  }
  return results;
}

function outcomeTable(result: SimulationResult): string {
  const best = bestByColumn(result.scores);
  const header = `| strategy | ${scoreColumns.map((column) => `${column.name}${column.unit ? ` (${column.unit})` : ''}`).join(' | ')} |`;
  const rule = `|---|${scoreColumns.map(() => '---:').join('|')}|`;
  const rows = result.scores.map((score, row) => `| ${score.strategy} | ${scoreColumns.map((column) => {
    const text = column.format(score);
    return best.get(column.key)?.has(row) ? `**${text}**` : text;
  }).join(' | ')} |`);
  return [header, rule, ...rows].join('\n');
}

/** Markdown for BENCHMARKS.md: speed figures, then one outcome table per shipped scenario. */
export async function runSimulatorBenchmark(log: (line: string) => void = () => {}): Promise<string> {
  const speeds: SpeedFigure[] = [];
  for (const workloads of [10, 100, 1000]) {
    for (const strategy of ['hpa', 'oracle']) {
      const figure = await measureSpeed(workloads, strategy);
      log(`${workloads} workloads, ${strategy}: ${figure.cpuSeconds.toFixed(1)} CPU s (${figure.wallSeconds.toFixed(1)} s wall) for a day`);
      speeds.push(figure);
    }
  }
  const cpu = (workloads: number, strategy: string): number =>
    speeds.find((figure) => figure.workloads === workloads && figure.strategy === strategy)!.cpuSeconds;
  const lines = [
    '## Simulator',
    '',
    'Speed: one SYNTHETIC day at 1 s resolution (86,400 ticks), every workload online with Poisson demand,',
    'one strategy per run, per-workload timelines off. The simulator is single-threaded; CPU time is the',
    '"one core" figure (wall time also depends on what else the machine runs).',
    '',
    '| workloads | strategy | CPU time (s) | wall time (s) | simulated s per CPU s |',
    '|---:|---|---:|---:|---:|',
    ...speeds.map((figure) => `| ${figure.workloads} | ${figure.strategy} | ${figure.cpuSeconds.toFixed(2)} | ${figure.wallSeconds.toFixed(2)} | ${Math.round(figure.simulatedSecondsPerCpuSecond).toLocaleString('en-US')} |`),
    '',
    `Cost ratio 1,000 vs 100 workloads (CPU time): ${(cpu(1000, 'hpa') / cpu(100, 'hpa')).toFixed(1)}× (hpa), `
      + `${(cpu(1000, 'oracle') / cpu(100, 'oracle')).toFixed(1)}× (oracle); exactly linear would be 10×.`,
    '',
  ];
  for (const result of await shippedScenarioResults()) {
    log(`scenario ${result.scenario.name} done`);
    lines.push(
      `### ${result.scenario.name}${result.scenario.synthetic ? ' (SYNTHETIC traffic)' : ''}`,
      '',
      result.scenario.description,
      '',
      outcomeTable(result),
      '',
    );
  }
  return lines.join('\n');
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${await runSimulatorBenchmark((line) => process.stderr.write(`${line}\n`))}\n`);
}
