/**
 * Planner benchmark: time to plan 1,000 and 10,000 workloads × 360 one-minute slots on one core,
 * and the 10,000 / 1,000 ratio (≈ 10 when planning is linear in the workload count). The cluster is
 * SYNTHETIC: seeded diurnal forecasts with an evening offline-retail window and a promotion, ten
 * elastic pools, one offline workload per ten online ones, two calendar events, observed state.
 * Run alone with `npx tsx bench/planner.ts`; `runPlannerBenchmark` returns the Markdown section.
 */
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { EventOccurrence } from '../src/domain/calendar.ts';
import type { Forecast } from '../src/domain/forecast.ts';
import { createRng, deriveSeed } from '../src/domain/random.ts';
import type { NodePool, OfflineWorkload, OnlineWorkload } from '../src/domain/workload.ts';
import { planCapacity } from '../src/planner/plan-capacity.ts';
import type { ObservedState, PlanningInput } from '../src/planner/planning-input.ts';
import type { BenchPart } from './part.ts';

const MINUTE_MS = 60_000;
const SLOTS = 360;
const POOLS = 10;
/** 2024-11-11T11:00:00Z = 19:00 in Shanghai, an hour before the 20:00 promotion. */
const NOW_MS = Date.UTC(2024, 10, 11, 11, 0, 0);

/**
 * A SYNTHETIC planning input for `count` online workloads (seeded, so every run plans the same).
 * `spill`: the ten pools are fixed and tainted per team; every online workload tolerates its team's
 * pool and a shared elastic `burst` pool (tainted, pre-provisioned by placeholders), so the planner
 * bin-packs each one over two pools and spills the peak into burst.
 */
export function syntheticPlanningInput(count: number, seed = 42, options: { spill?: boolean } = {}): PlanningInput {
  const spill = options.spill === true;
  const rng = createRng(deriveSeed(seed, `planner-bench-${count}`));
  const online: OnlineWorkload[] = [];
  const offline: OfflineWorkload[] = [];
  const forecasts = new Map<string, Forecast>();
  const demandRps: Record<string, number> = {};
  const workloads: Record<string, { desiredReplicas: number; readyReplicas: number }> = {};
  const poolCores = new Float64Array(POOLS);
  const buckets = SLOTS + 30;
  for (let index = 0; index < count; index++) {
    const name = `svc-${String(index).padStart(5, '0')}`;
    const poolIndex = index % POOLS;
    const meanRps = 50 + rng() * 950;
    const phase = rng() * 2 * Math.PI;
    const retailShare = rng() * 0.6;
    const promotionUplift = rng() < 0.3 ? 1 + rng() * 4 : 0;
    const rpsPerReplica = 100;
    const baseline = new Float64Array(buckets);
    const retail = new Float64Array(buckets);
    const promotion = new Float64Array(buckets);
    const median = new Float64Array(buckets);
    let peak = 0;
    for (let bucket = 0; bucket < buckets; bucket++) {
      baseline[bucket] = meanRps * (1 + 0.4 * Math.sin((2 * Math.PI * bucket) / 1440 + phase));
      retail[bucket] = bucket < 180 ? meanRps * retailShare : 0;
      promotion[bucket] = bucket >= 60 && bucket < 120 ? meanRps * promotionUplift * Math.min(1, (bucket - 59) / 5) : 0;
      median[bucket] = (baseline[bucket] as number) + (retail[bucket] as number) + (promotion[bucket] as number);
      peak = Math.max(peak, median[bucket] as number);
    }
    const bands = [1, 1.15, 1.3].map((factor) => Float64Array.from(median, (value) => value * factor));
    forecasts.set(name, {
      workload: name, issuedAtMs: NOW_MS, startMs: NOW_MS, stepMs: MINUTE_MS, unit: 'requests/s',
      quantiles: [0.5, 0.9, 0.99], bands,
      components: [
        { kind: 'baseline', name: 'baseline', values: baseline },
        { kind: 'offline-retail', name: 'offline-retail', values: retail },
        { kind: 'promotion', name: 'promotion:tmall-2000', values: promotion },
      ],
      model: 'synthetic benchmark forecast',
    });
    const cpuMillicores = [250, 500, 1000, 2000][Math.floor(rng() * 4)] as number;
    online.push({
      class: 'online', name, ref: { apiKind: 'Deployment', namespace: 'bench', name },
      rpsPerReplica, perReplica: { cpuMillicores, memoryBytes: cpuMillicores * 2 * 1024 ** 2 },
      startup: { p50Ms: 20_000, p95Ms: 30_000 + Math.floor(rng() * 120) * 1000 },
      minReplicas: 2, maxReplicas: 2000, priority: Math.floor(rng() * 10), demandQuantile: [0.9, 0.99][Math.floor(rng() * 2)] as number,
      ...(spill
        ? { tolerations: [{ key: 'team', operator: 'Equal' as const, value: `pool-${poolIndex}`, effect: 'NoSchedule' as const }, { key: 'burst', operator: 'Exists' as const }] }
        : { nodePool: `pool-${poolIndex}` }),
    });
    const current = Math.ceil((meanRps * 1.3) / rpsPerReplica);
    workloads[name] = { desiredReplicas: current, readyReplicas: current };
    demandRps[name] = meanRps;
    poolCores[poolIndex] = (poolCores[poolIndex] as number) + (Math.ceil((peak * 1.3) / rpsPerReplica) * cpuMillicores) / 1000;
  }
  for (let index = 0; index < Math.ceil(count / 10); index++) {
    const name = `batch-${String(index).padStart(5, '0')}`;
    const withDeadline = rng() < 0.3;
    offline.push({
      class: 'offline', name, ref: { apiKind: 'Deployment', namespace: 'batch', name },
      priority: Math.floor(rng() * 5), minReplicas: 0, maxReplicas: 20 + Math.floor(rng() * 80),
      perReplica: { cpuMillicores: 1000, memoryBytes: 2 * 1024 ** 3 },
      ...(withDeadline ? { workCoreHours: 20 + rng() * 200, deadlineMs: NOW_MS + (120 + Math.floor(rng() * 300)) * MINUTE_MS } : {}),
      drainMs: (30 + Math.floor(rng() * 150)) * 1000,
      nodePool: `pool-${index % POOLS}`,
      ...(spill ? { tolerations: [{ key: 'team', operator: 'Equal' as const, value: `pool-${index % POOLS}`, effect: 'NoSchedule' as const }] } : {}),
    });
  }
  const nodePools: NodePool[] = [];
  const observedPools: Record<string, { readyNodes: number; provisioningNodes: number }> = {};
  for (let index = 0; index < POOLS; index++) {
    // Base nodes hold about 70 % of the online peak; the elastic part the rest and some offline.
    const peakNodes = Math.ceil((poolCores[index] as number) / 64);
    const baseNodes = Math.max(1, Math.ceil(peakNodes * 0.7));
    nodePools.push(spill
      ? {
          name: `pool-${index}`, perNode: { cpuMillicores: 64_000, memoryBytes: 256 * 1024 ** 3 }, baseNodes, costPerNodeHour: 3,
          taints: [{ key: 'team', value: `pool-${index}`, effect: 'NoSchedule' }],
        }
      : {
          name: `pool-${index}`, perNode: { cpuMillicores: 64_000, memoryBytes: 256 * 1024 ** 3 }, baseNodes, costPerNodeHour: 3,
          elastic: { maxNodes: Math.ceil(peakNodes * 0.5) + 2, provisioningMs: 5 * MINUTE_MS },
        });
    observedPools[`pool-${index}`] = { readyNodes: baseNodes, provisioningNodes: 0 };
  }
  if (spill) {
    const burstNodes = Math.ceil([...poolCores].reduce((sum, cores) => sum + cores, 0) / 64 * 0.5) + 2;
    nodePools.push({
      name: 'burst', perNode: { cpuMillicores: 64_000, memoryBytes: 256 * 1024 ** 3 }, baseNodes: 0, costPerNodeHour: 4,
      taints: [{ key: 'burst', value: 'true', effect: 'NoSchedule' }],
      elastic: {
        maxNodes: burstNodes, provisioningMs: 3 * MINUTE_MS,
        placeholders: { namespace: 'chuanliu-placeholders', deploymentName: 'chuanliu-placeholder-burst', priorityClassName: 'chuanliu-placeholder', priorityValue: -10, perPod: { cpuMillicores: 57_600, memoryBytes: 230 * 1024 ** 3 } },
      },
    });
    observedPools['burst'] = { readyNodes: 0, provisioningNodes: 0 };
  }
  const promotionEvent = (id: string, startMs: number, durationMs: number, names: readonly string[]): EventOccurrence => ({
    eventId: id, kind: 'promotion', label: id, startMs, endMs: startMs + durationMs,
    event: { kind: 'promotion', id, platform: 'tmall', startMs, durationMs, timeZone: 'Asia/Shanghai', rampMs: 5 * MINUTE_MS, uplift: { kind: 'expected', factor: 3 }, workloads: names },
  });
  const occurrences = [
    promotionEvent('tmall-2000', NOW_MS + 60 * MINUTE_MS, 60 * MINUTE_MS, []),
    promotionEvent('jd-2200', NOW_MS + 180 * MINUTE_MS, 30 * MINUTE_MS, online.filter((_, i) => i % 7 === 0).map((workload) => workload.name)),
  ];
  const observed: ObservedState = { workloads, nodePools: observedPools, demandRps, offlineRemainingCoreHours: {} };
  return {
    nowMs: NOW_MS,
    inventory: { online, offline, nodePools },
    forecasts,
    occurrences,
    observed,
    settings: { slotMs: MINUTE_MS, horizonMs: SLOTS * MINUTE_MS, applyLatencyMs: 15_000, scaleInStabilizationMs: 5 * MINUTE_MS, planId: 'bench', displayTimeZone: 'Asia/Shanghai' },
  };
}

export interface PlannerFigure {
  readonly workloads: number;
  readonly spill: boolean;
  readonly slots: number;
  /** Median over the runs, CPU time of the process (user + system): the "one core" figure. */
  readonly cpuSeconds: number;
  readonly wallSeconds: number;
  readonly steps: number;
  readonly shortfalls: number;
}

export function measurePlanner(count: number, runs = 3, options: { spill?: boolean } = {}): PlannerFigure {
  const input = syntheticPlanningInput(count, 42, options);
  const cpu: number[] = [];
  const wall: number[] = [];
  let steps = 0;
  let shortfalls = 0;
  for (let run = 0; run < runs; run++) {
    const cpuBefore = process.cpuUsage();
    const startedAt = performance.now();
    const plan = planCapacity(input);
    wall.push((performance.now() - startedAt) / 1000);
    const used = process.cpuUsage(cpuBefore);
    cpu.push((used.user + used.system) / 1e6);
    steps = plan.steps.length;
    shortfalls = plan.shortfalls.length;
  }
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  return { workloads: count, spill: options.spill === true, slots: SLOTS, cpuSeconds: median(cpu), wallSeconds: median(wall), steps, shortfalls };
}

/** Planning is about linear in the workload count: 10× the workloads may cost at most this much more. */
const MAX_RATIO_10K_VS_1K = 12;
/** Issue 13's figure for 10,000 workloads × 360 slots; reported, not enforced (absolute, machine-bound). */
const REFERENCE_SECONDS_10K = 5;

/** The Markdown section for BENCHMARKS.md and the ratio targets missed. */
export async function runPlannerBenchmark(): Promise<{ markdown: string; failures: string[] }> {
  // Warm the JIT on both shapes so no figure is a compile-time figure; the 1,000 runs are short and
  // noisy on a shared machine, so they take the median of more runs.
  measurePlanner(1_000, 1);
  measurePlanner(1_000, 1, { spill: true });
  const small = measurePlanner(1_000, 7);
  const large = measurePlanner(10_000);
  const smallSpill = measurePlanner(1_000, 7, { spill: true });
  const largeSpill = measurePlanner(10_000, 3, { spill: true });
  const ratio = large.cpuSeconds / small.cpuSeconds;
  const spillRatio = largeSpill.cpuSeconds / smallSpill.cpuSeconds;
  const failures: string[] = [];
  if (ratio > MAX_RATIO_10K_VS_1K) failures.push(`10,000 / 1,000 CPU-time ratio ${ratio.toFixed(2)} > ${MAX_RATIO_10K_VS_1K}`);
  if (spillRatio > MAX_RATIO_10K_VS_1K) failures.push(`spill: 10,000 / 1,000 CPU-time ratio ${spillRatio.toFixed(2)} > ${MAX_RATIO_10K_VS_1K}`);
  const row = (figure: PlannerFigure): string =>
    `| ${figure.spill ? 'team pool + shared burst (spill)' : 'pinned, 10 elastic pools'} | ${figure.workloads.toLocaleString('en-US')} | ${figure.slots} | ${figure.cpuSeconds.toFixed(3)} | ${figure.wallSeconds.toFixed(3)} | ${figure.steps.toLocaleString('en-US')} | ${figure.shortfalls.toLocaleString('en-US')} |`;
  const markdown = [
    '## Planner',
    '',
    'Planning time for a SYNTHETIC cluster (seeded forecasts, 1 offline workload per 10 online, 2 events), ' +
      `${SLOTS} one-minute slots (6 h), median of 7 runs (1,000) and 3 runs (10,000) (\`npm run bench -- --only planner\`). Pinned: every workload on its own of 10 elastic pools. ` +
      'Spill: 10 fixed team pools (tainted) and one shared elastic burst pool with placeholders; every online workload may use its team pool and burst.',
    '',
    '| cluster | online workloads | slots | CPU s | wall s | steps | shortfall rows |',
    '|---|---:|---:|---:|---:|---:|---:|',
    row(small),
    row(large),
    row(smallSpill),
    row(largeSpill),
    '',
    `10,000 / 1,000 CPU-time ratio: **${ratio.toFixed(2)}** pinned, **${spillRatio.toFixed(2)}** spill (target ≤ ${MAX_RATIO_10K_VS_1K}; 10 = linear). ` +
      `Issue 13's reference of ${REFERENCE_SECONDS_10K} s for 10,000 workloads: ${large.cpuSeconds.toFixed(1)} s / ${largeSpill.cpuSeconds.toFixed(1)} s of CPU here ` +
      `(${Math.max(large.cpuSeconds, largeSpill.cpuSeconds) <= REFERENCE_SECONDS_10K ? 'within' : 'above'} it; wall time on this shared 2-core machine is higher and not a target).`,
    '',
  ].join('\n');
  return { markdown, failures };
}

export const plannerBenchPart: BenchPart = {
  id: 'planner',
  run: () => runPlannerBenchmark(),
};

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.stdout.write(`${(await runPlannerBenchmark()).markdown}\n`);
}
