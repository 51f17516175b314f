/**
 * Pre-provisioning on sim/elastic-midnight.yaml (SYNTHETIC): the midnight sale outgrows the fixed
 * pool, and the burst pool's nodes take 2–3 minutes. chuanliu scales its placeholder pods up ahead
 * of the sale, the simulated cluster autoscaler brings the nodes for them, the online pods take the
 * room (placeholders dropped, or preempted), and no second of the sale's start goes unserved — with
 * at most 1.2× the oracle's node-hours. HPA + the reactive autoscaler serves the same start late.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulator/engine.ts';
import { loadScenarioFile } from '../../src/simulator/load-scenario.ts';
import { createChuanliuStrategy } from '../../src/simulator/strategies/chuanliu.ts';
import { ChuanliuRunRecorder } from '../../src/simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies } from '../../src/simulator/strategies/index.ts';
import { StrategyRegistry } from '../../src/simulator/strategy.ts';

describe('chuanliu pre-provisions the elastic pool for a planned peak', () => {
  it('placeholders ahead of 00:00 and dropped when online arrives, no unserved second at the sale\'s start, ≤ 1.2× the oracle\'s node-hours', async () => {
    const recorder = new ChuanliuRunRecorder();
    const builtin = builtinStrategies();
    const registry = new StrategyRegistry();
    for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
    const scenario = await loadScenarioFile(fileURLToPath(new URL('../../sim/elastic-midnight.yaml', import.meta.url)), { registry });
    const result = await runSimulation(scenario, { strategies: ['chuanliu', 'hpa', 'oracle'], registry, workloadTimelines: false });
    const score = (name: string) => result.scores.find((entry) => entry.strategy === name)!;
    const saleMs = Date.parse('2026-11-12T00:00:00+08:00');

    const grow = recorder.writes.filter((write) => write.class === 'placeholder' && write.phase === 'pool-grow' && write.outcome === 'applied');
    expect(grow.length).toBeGreaterThan(0);
    // Asked for at least the pool's provisioning p95 (3 min) before the online pods need the room.
    expect(grow[0]!.atMs).toBeLessThanOrEqual(saleMs - 3 * 60_000);
    expect(grow[0]!.atMs).toBeGreaterThan(saleMs - 30 * 60_000);
    const dropped = recorder.writes.filter((write) => write.class === 'placeholder' && write.phase === 'release' && write.atMs > grow[0]!.atMs);
    expect(dropped.length).toBeGreaterThan(0);

    expect(score('chuanliu').unservedSecondsAtEventStarts).toBe(0);
    expect(score('hpa').unservedSecondsAtEventStarts).toBeGreaterThan(0);
    expect(score('chuanliu').nodeHours).toBeLessThanOrEqual(1.2 * score('oracle').nodeHours);
  }, 600_000);
});
