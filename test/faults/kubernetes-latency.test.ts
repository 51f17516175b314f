/**
 * 2 s of latency on every Kubernetes API request during a grand shift (100 workloads): every tick
 * takes seconds (snapshot 2 × 2 s, each write read + patch + annotate 3 × 2 s), so the shift ends
 * well after the peak it was planned for — but it ends, in order, with every invariant held.
 * (How late is in RELIABILITY.md: the plan's apply latency must cover the API's latency.)
 */
import { describe, it } from 'vitest';
import { expectShiftSurvives, type FaultClass } from './helpers/expect-shift.ts';
import { faultSeeds } from './helpers/seeds.ts';

const FILE = 'test/faults/kubernetes-latency.test.ts';

const slowApi: FaultClass = {
  kind: '2 s latency',
  options: { workloads: 100, faultRules: [{ name: '2 s latency', latencyMs: 2_000 }] },
  expectInjected: [],
  expectAnnotated: true,
};

describe('grand shift on a slow Kubernetes API', () => {
  it.each(faultSeeds(1).map((seed) => ({ seed })))('2 s per request, seed $seed: the shift completes, late but whole', async ({ seed }) => {
    await expectShiftSurvives(slowApi, seed, FILE);
  }, 120_000);
});
