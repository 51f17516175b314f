/**
 * chuanliu on the spiky real traces, where pulses come unannounced: the reactive guard engages when
 * live demand leaves the forecast band, sizes a floor from the observed rate, the floor becomes Ready,
 * and chuanliu leaves at most half the HPA's unserved demand (issue 4); where no forecast can be
 * made, its HPA net carries it and is checked against every HPA target (issue 12).
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulator/engine.ts';
import { loadScenarioFile } from '../../src/simulator/load-scenario.ts';
import { createChuanliuStrategy } from '../../src/simulator/strategies/chuanliu.ts';
import { ChuanliuRunRecorder } from '../../src/simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies } from '../../src/simulator/strategies/index.ts';
import { StrategyRegistry } from '../../src/simulator/strategy.ts';
import { frontierVerdict } from '../../src/simulator/frontier/frontier.ts';
import { runSweep, sweepRuns } from '../../src/simulator/frontier/sweep.ts';

async function run(file: string) {
  const recorder = new ChuanliuRunRecorder();
  const builtin = builtinStrategies();
  const registry = new StrategyRegistry();
  for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
  const scenario = await loadScenarioFile(fileURLToPath(new URL(`../../sim/${file}`, import.meta.url)), { registry });
  const result = await runSimulation(scenario, { strategies: ['chuanliu', 'hpa'], registry, workloadTimelines: false });
  const score = (name: string) => result.scores.find((entry) => entry.strategy === name)!;
  return { recorder, chuanliu: score('chuanliu'), hpa: score('hpa') };
}

describe('chuanliu on unforecast pulses', () => {
  it('twitter-aapl-spiky: the guard engages on the 03:00 news spike with a floor sized from the observed rate, Ready within minutes; unserved ≤ half the HPA\'s', async () => {
    const { recorder, chuanliu, hpa } = await run('twitter-aapl-spiky.yaml');
    const spikeMs = Date.parse('2015-03-31T03:00:00Z');
    const spike = recorder.guardResponses.find((response) => Math.abs(response.onsetMs - spikeMs) < 15 * 60_000);
    expect(spike, `guard responses: ${JSON.stringify(recorder.guardResponses.map((response) => new Date(response.onsetMs).toISOString()))}`).toBeDefined();
    expect(spike!.readyAtMs).toBeDefined();
    expect(spike!.readyAtMs! - spike!.onsetMs).toBeLessThan(5 * 60_000);
    expect(spike!.engagedAtMs).toBeGreaterThan(spike!.onsetMs);
    const engage = recorder.guardDecisions.find((decision) => decision.kind === 'engage' && decision.atMs === spike!.engagedAtMs);
    // Sized from the observed rate with the guard's headroom (1.5 × observed ÷ 20 rps per replica), all of it funded.
    expect(engage?.kind === 'engage' ? [engage.wantedReplicas, engage.shortfallReplicas] : []).toEqual([Math.ceil((spike!.miss.observedRps * 1.5) / 20), 0]);
    expect(recorder.writes.some((write) => write.reason === 'guard-emergency' && write.class === 'online')).toBe(true);
    expect(chuanliu.unservedRequests * 2).toBeLessThanOrEqual(hpa.unservedRequests);
    for (const response of recorder.guardResponses) {
      // 3 samples 5 s apart: the floor is written 10 s after the monitoring signal crossed the band.
      expect(response.engagedAtMs - response.signalAtMs).toBeLessThanOrEqual(15_000);
      expect(response.signalAtMs).toBeGreaterThan(response.onsetMs);
      expect(response.unservedRequests).toBeGreaterThanOrEqual(0);
    }
  }, 600_000);

  it('azure-code-bursts: with no history before the run its HPA net carries it — dominated by no HPA target, ≤ 0.9× the core-hours of the cheapest one serving as well', async () => {
    const { recorder } = await run('azure-code-bursts.yaml');
    expect(recorder.firstForecasts.size).toBe(0);
    // No forecast, no band: the guard does not chase bursts with floors made of observed demand.
    expect(recorder.guardDecisions).toEqual([]);
    const path = fileURLToPath(new URL('../../sim/azure-code-bursts.yaml', import.meta.url));
    const points = await runSweep(sweepRuns(path).filter((entry) => entry.strategy === 'hpa' || (entry.strategy === 'chuanliu' && entry.isDefault)), { workers: 1 });
    const verdict = frontierVerdict(points);
    expect(verdict.dominatedBy).toEqual([]);
    expect(verdict.isoServiceRatio).toBeLessThanOrEqual(0.9);
  }, 600_000);
});

