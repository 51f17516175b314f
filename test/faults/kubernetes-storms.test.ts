/**
 * Faults of the Kubernetes API during a grand shift (200 workloads, 100 online 1→3 replicas, a
 * quarter of the offline work released to make room), driven by `reconcile` ticks through the real
 * Kubernetes adapter against kube-api over HTTP: 409 storms, 429 with Retry-After, 500 bursts and
 * an API outage, and 2 s of latency on every request. After every run: online never below its
 * floor, never over capacity, no value written twice, the shift complete at the planned levels
 * with online capacity Ready.
 *
 * Under 2 s latency every tick takes seconds (snapshot 2 × 2 s, each write read + patch + annotate
 * 3 × 2 s), so that shift ends well after the peak it was planned for — but it ends, in order,
 * with every invariant held (how late: RELIABILITY.md; the plan's apply latency must cover the
 * API's). The runs are independent (each its own kube-api) and mostly wait, so they run
 * concurrently.
 *
 * Seeded: CHUANLIU_FAULT_SEED / CHUANLIU_FAULT_RUNS (see helpers/seeds.ts); a failure prints its seed.
 */
import { describe, it } from 'vitest';
import { expectShiftSurvives, type FaultClass } from './helpers/expect-shift.ts';
import { faultSeeds } from './helpers/seeds.ts';

const FILE = 'test/faults/kubernetes-storms.test.ts';
/** The writes that carry the resourceVersion they read, so a concurrent change answers 409. */
const WRITES_WITH_RESOURCE_VERSION = ['deployments/scale', 'statefulsets/scale', 'horizontalpodautoscalers', 'jobs'];
const WORKLOADS = 200;

const classes: FaultClass[] = [
  {
    kind: '409 storm',
    // Half of all writes that carry a resourceVersion conflict (an annotation merge patch carries
    // none, and a real API server never answers it 409), plus a storm of 150 conflicts in a row
    // on the scale subresource.
    options: {
      workloads: WORKLOADS,
      faultRules: [
        { name: 'scale storm', match: { resources: ['deployments/scale', 'statefulsets/scale'] }, conflictRate: 1, maxFailures: 150 },
        { name: 'conflicts', match: { verbs: ['patch', 'update'], resources: WRITES_WITH_RESOURCE_VERSION }, conflictRate: 0.5 },
      ],
    },
    expectInjected: ['conflict'],
  },
  {
    kind: '429 with Retry-After',
    options: { workloads: WORKLOADS, faultRules: [{ name: 'throttle', throttleRate: 0.1, retryAfterSeconds: 1 }] },
    expectInjected: ['throttle'],
  },
  {
    kind: '500 bursts',
    // 10 % of requests fail throughout, and every request fails for 1.5 s just as the releases fall due.
    options: {
      workloads: WORKLOADS,
      faultRules: [{ name: '500 background', errorRate: 0.1 }],
      phases: [
        { afterMs: 900, rules: [{ name: '500 burst', errorRate: 1 }] },
        { afterMs: 2_400, rules: [{ name: '500 background', errorRate: 0.1 }] },
      ],
    },
    expectInjected: ['error'],
  },
  {
    kind: '2 s latency',
    options: { workloads: 100, faultRules: [{ name: '2 s latency', latencyMs: 2_000 }] },
    expectInjected: [],
  },
];

describe.concurrent('grand shift under Kubernetes API storms', () => {
  // One run per class in CI; RELIABILITY.md's campaign ran 10 (CHUANLIU_FAULT_RUNS=10).
  const rows = classes.flatMap((fault) => faultSeeds(1).map((seed) => ({ name: `${fault.kind}, seed ${seed}`, fault, seed })));
  it.each(rows)('$name: the shift completes with every invariant held', async ({ fault, seed }) => {
    await expectShiftSurvives(fault, seed, FILE);
  }, 120_000);
});
