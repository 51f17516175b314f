/**
 * The demo's second part: nodes pre-provisioned for a midnight peak. Runs chuanliu and HPA + the
 * reactive cluster autoscaler (and the oracle, for node-hours) on sim/elastic-midnight.yaml
 * (SYNTHETIC) and tells, from chuanliu's recorded writes, when its placeholder pods asked the
 * autoscaler for burst nodes, how many of them were running (their nodes Ready) when the online pods
 * took the room, and what the sale's first minute looked like for each strategy. A few seconds.
 */
import { fileURLToPath } from 'node:url';
import { formatDurationMs } from '../domain/units.ts';
import { paint } from '../report/ansi.ts';
import { formatLocalTime } from '../report/index.ts';
import { runSimulation } from '../simulator/engine.ts';
import { loadScenarioFile } from '../simulator/load-scenario.ts';
import type { StrategyScore } from '../simulator/result.ts';
import { createChuanliuStrategy } from '../simulator/strategies/chuanliu.ts';
import { ChuanliuRunRecorder } from '../simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies } from '../simulator/strategies/index.ts';
import { StrategyRegistry } from '../simulator/strategy.ts';

export const ELASTIC_SCENARIO = fileURLToPath(new URL('../../sim/elastic-midnight.yaml', import.meta.url));

export interface ElasticDemo {
  readonly scenario: string;
  readonly synthetic: boolean;
  readonly timeZone: string;
  readonly eventStartMs: number | undefined;
  readonly provisioningMs: number | undefined;
  readonly placeholderWrites: readonly { readonly atMs: number; readonly from: number; readonly to: number; readonly runningBefore: number; readonly phase: string }[];
  readonly scores: readonly StrategyScore[];
}

export async function runElasticDemo(): Promise<ElasticDemo> {
  const recorder = new ChuanliuRunRecorder();
  const builtin = builtinStrategies();
  const registry = new StrategyRegistry();
  for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
  const scenario = await loadScenarioFile(ELASTIC_SCENARIO, { registry });
  const result = await runSimulation(scenario, { strategies: ['chuanliu', 'hpa', 'oracle'], registry, workloadTimelines: false });
  const pool = scenario.nodePools.find((candidate) => candidate.elastic?.placeholders !== undefined);
  return {
    scenario: scenario.name,
    synthetic: scenario.synthetic,
    timeZone: scenario.events.map((occurrence) => ('timeZone' in occurrence.event ? occurrence.event.timeZone : undefined)).find((zone) => zone !== undefined) ?? 'UTC',
    eventStartMs: scenario.events[0]?.startMs,
    provisioningMs: pool?.elastic?.provisioningMs,
    placeholderWrites: recorder.writes
      .filter((write) => write.class === 'placeholder' && write.outcome === 'applied')
      .map((write) => ({ atMs: write.atMs, from: write.fromReplicas, to: write.toReplicas, runningBefore: write.readyBefore, phase: write.phase })),
    scores: result.scores,
  };
}

export function renderElasticDemo(demo: ElasticDemo, color: boolean): string {
  const at = (ms: number): string => formatLocalTime(ms, { timeZone: demo.timeZone, withSeconds: true });
  const lines = [paint(`Elastic pool: nodes pre-provisioned for the midnight sale (${demo.scenario}${demo.synthetic ? ' [SYNTHETIC]' : ''}, sim/elastic-midnight.yaml)`, 'bold', color)];
  const provisioning = demo.provisioningMs === undefined ? '' : ` (provisioning p95 ${formatDurationMs(demo.provisioningMs)})`;
  for (const write of demo.placeholderWrites) {
    lines.push(write.phase === 'pool-grow'
      ? `  ${at(write.atMs)}  placeholder pods ${write.from}→${write.to}: the node autoscaler is asked for ${write.to - write.from} more burst node${write.to - write.from === 1 ? '' : 's'}${provisioning}`
      : `  ${at(write.atMs)}  placeholder pods ${write.from}→${write.to} as online pods take the room (${write.runningBefore} of ${write.from} were running, i.e. had a Ready node)`);
  }
  if (demo.placeholderWrites.length === 0) lines.push('  no placeholder writes (the plan needed no burst nodes)');
  const score = (name: string): StrategyScore | undefined => demo.scores.find((entry) => entry.strategy === name);
  const oracle = score('oracle');
  const describe = (label: string, value: StrategyScore | undefined): string | undefined => value === undefined ? undefined
    : `  ${label}: ${value.unservedSecondsAtEventStarts} s unserved in the sale's first minute${demo.eventStartMs !== undefined ? ` (from ${at(demo.eventStartMs)})` : ''}, ` +
      `${value.nodeHours.toFixed(1)} node-h${oracle !== undefined ? ` = ${(value.nodeHours / oracle.nodeHours).toFixed(2)}× the oracle's` : ''}`;
  for (const line of [describe('chuanliu (pre-provisioned)', score('chuanliu')), describe('HPA + reactive autoscaler', score('hpa'))]) if (line !== undefined) lines.push(line);
  return lines.join('\n');
}
