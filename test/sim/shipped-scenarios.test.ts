/**
 * Golden runs of every shipped scenario (sim/*.yaml) through the four baselines.
 *
 * - The invariants the simulator promises: the oracle serves everything and holds the fewest online
 *   core-hours of the strategies that serve everything; the HPA's lag shows as unserved demand where
 *   the traffic surges.
 * - The scores equal the golden files in test/sim/golden/ (same scenario + seed → same result, across
 *   processes and machines). After an intended model change, regenerate them with
 *   `UPDATE_GOLDEN=1 npx vitest run test/sim` and review the diff.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runSimulation } from '../../src/simulator/engine.ts';
import { loadScenarioFile } from '../../src/simulator/load-scenario.ts';
import type { StrategyScore } from '../../src/simulator/result.ts';
import { BASELINE_STRATEGIES, builtinStrategies } from '../../src/simulator/strategies/index.ts';

const simDirectory = fileURLToPath(new URL('../../sim/', import.meta.url));
const goldenDirectory = fileURLToPath(new URL('./golden/', import.meta.url));
const scenarios = readdirSync(simDirectory).filter((file) => file.endsWith('.yaml') && !file.startsWith('config.')).sort();

/** Scenarios whose traffic surges faster than a reactive autoscaler follows. */
const SURGING = new Set(['nasa-launch-day', 'twitter-aapl-spiky', 'azure-code-bursts', 'double11']);

describe.each(scenarios)('shipped scenario %s', (file) => {
  it('oracle ≤ every fully-serving strategy in online core-hours, HPA lag visible at surges, scores = golden', async () => {
    const registry = builtinStrategies();
    const scenario = await loadScenarioFile(simDirectory + file, { registry });
    const result = await runSimulation(scenario, { strategies: [...BASELINE_STRATEGIES], registry, workloadTimelines: false });
    const score = (name: string): StrategyScore => result.scores.find((entry) => entry.strategy === name)!;

    const oracle = score('oracle');
    expect(oracle.unservedRequests).toBe(0);
    for (const other of result.scores) {
      if (other.unservedRequests === 0) expect(oracle.onlineCoreHours).toBeLessThanOrEqual(other.onlineCoreHours + 1e-9);
    }
    expect(score('static-peak').unservedRequests).toBe(0);
    if (SURGING.has(scenario.name)) {
      expect(score('hpa').unservedRequests).toBeGreaterThan(0);
      expect(score('hpa').worstDeficitRps).toBeGreaterThan(0);
    }

    const goldenPath = `${goldenDirectory}${scenario.name}.json`;
    const actual = JSON.parse(JSON.stringify(result.scores)) as StrategyScore[];
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(goldenPath)) {
      writeFileSync(goldenPath, `${JSON.stringify(actual, null, 2)}\n`);
    }
    const golden = JSON.parse(readFileSync(goldenPath, 'utf8')) as StrategyScore[];
    expect(actual).toEqual(golden);
  }, 120_000);
});
