/**
 * Dropped connections during a grand shift, both halves: requests kube-api drops before handling
 * them (reads, writes and watches), and answers lost after the API server applied a write (a proxy
 * hangs up on the client), the case where a naive retry writes twice. Then all faults at once on a
 * 1,000-workload shift. Same invariants as kubernetes-storms.test.ts.
 *
 * chuanliu's controller lists instead of watching (each tick is level-triggered), so a dropped
 * watch cannot lose it an event; watches are in the drop rule all the same.
 */
import { describe, it } from 'vitest';
import { expectShiftSurvives, type FaultClass } from './helpers/expect-shift.ts';
import { faultSeeds } from './helpers/seeds.ts';

const FILE = 'test/faults/kubernetes-drops.test.ts';
/** The writes that carry the resourceVersion they read (see kubernetes-storms.test.ts). */
const WRITES_WITH_RESOURCE_VERSION = ['deployments/scale', 'statefulsets/scale', 'horizontalpodautoscalers', 'jobs'];

const drops: FaultClass = {
  kind: 'dropped connections and lost answers',
  options: {
    workloads: 200,
    faultRules: [{ name: 'drops', match: { verbs: ['get', 'list', 'watch', 'patch', 'update'] }, dropRate: 0.1 }],
    loseAnswerRate: 0.15,
  },
  expectInjected: ['drop', 'lost-answer'],
};

const combined: FaultClass = {
  kind: 'all at once, 1,000 workloads',
  options: {
    workloads: 1_000,
    timeoutMs: 110_000,
    faultRules: [
      { name: 'latency', latencyMs: 10, latencyJitterMs: 40 },
      { name: '409', match: { verbs: ['patch', 'update'], resources: WRITES_WITH_RESOURCE_VERSION }, conflictRate: 0.2 },
      { name: '429', throttleRate: 0.05, retryAfterSeconds: 1 },
      { name: '500', errorRate: 0.05 },
      { name: 'drop', dropRate: 0.03 },
    ],
    loseAnswerRate: 0.05,
  },
  expectInjected: ['conflict', 'throttle', 'error', 'drop', 'lost-answer'],
};

// Independent runs (each its own kube-api) that mostly wait: concurrently.
describe.concurrent('grand shift with dropped connections', () => {
  it.each(faultSeeds(2).map((seed) => ({ seed })))('dropped requests, watches and lost answers, seed $seed', async ({ seed }) => {
    await expectShiftSurvives(drops, seed, FILE);
  }, 120_000);

  it.each(faultSeeds(1).map((seed) => ({ seed })))('every fault at once on 1,000 workloads, seed $seed', async ({ seed }) => {
    await expectShiftSurvives(combined, seed, FILE);
  }, 120_000);
});
