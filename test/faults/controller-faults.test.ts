/**
 * The real controller process (BullMQ on a real redis-server) running a grand shift (60 workloads
 * of every kind chuanliu writes) against kube-api over HTTP, with faults on a seeded timeline:
 * - the controller killed with SIGKILL at random points (before, during and after its writes) and
 *   started again;
 * - redis-server killed and restarted, with its data (append-only file) or empty (every lease,
 *   delayed job and applied-step record gone);
 * - both at once.
 * After every run: online never below its floor, never over capacity, no value written twice, the
 * planned levels reached with online capacity Ready. A failure prints its seed, its timeline and
 * the controllers' last log lines.
 *
 * Seeded: CHUANLIU_FAULT_SEED / CHUANLIU_FAULT_RUNS (see helpers/seeds.ts).
 */
import { describe, expect, it } from 'vitest';
import { runControllerUnderFaults, type ControllerFaultOptions } from './helpers/controller-run.ts';
import { faultSeeds, recordRun, rerunHint } from './helpers/seeds.ts';

const FILE = 'test/faults/controller-faults.test.ts';

interface ControllerFaultClass {
  readonly kind: string;
  readonly options: (seed: number) => Omit<ControllerFaultOptions, 'seed'>;
  /** Runs in CI (CHUANLIU_FAULT_RUNS overrides every class; RELIABILITY.md's campaign ran 6). */
  readonly defaultRuns: number;
}

const classes: ControllerFaultClass[] = [
  // One or two kills per run, at seeded times anywhere from start-up to after the peak.
  { kind: 'controller SIGKILL', options: (seed) => ({ kills: 1 + (seed % 2) }), defaultRuns: 1 },
  // The milder Redis case runs in campaigns only; the empty restart below is the harder one.
  { kind: 'Redis restarted with its data', options: () => ({ redisRestart: 'keep-data' }), defaultRuns: 0 },
  { kind: 'Redis restarted empty', options: () => ({ redisRestart: 'empty' }), defaultRuns: 1 },
  { kind: 'Redis restarted empty and controller SIGKILL', options: () => ({ redisRestart: 'empty', kills: 1 }), defaultRuns: 1 },
];

describe('the controller process under kills and Redis restarts', () => {
  const rows = classes.flatMap((fault) => faultSeeds(fault.defaultRuns).map((seed) => ({ name: `${fault.kind}, seed ${seed}`, fault, seed })));
  it.each(rows)('$name: the shift completes with every invariant held', async ({ fault, seed }) => {
    const report = await runControllerUnderFaults({ seed, ...fault.options(seed) });
    recordRun(fault.kind, { ...report, output: undefined });
    const context = `${fault.kind}, seed ${seed} (${rerunHint(FILE, seed)})\ntimeline:\n  ${report.timeline.join('\n  ')}\n`
      + `violations: ${report.violations.slice(0, 20).join('; ')}\nunsettled: ${report.unsettled.join('; ')}\n${report.output}`;
    expect(report.violations, context).toEqual([]);
    expect(report.completed, context).toBe(true);
  }, 150_000);
});
