/**
 * DemandFreshnessMonitor: what the running controller's freshness gate reads. Probes report status
 * changes; results expire (a monitor that stopped measuring vouches for nothing); nothing is fresh
 * before it was measured; concurrent refreshes share one probe. The probe against a real
 * Prometheus is in test/faults (prometheus-hold, controller-freshness).
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/adapters/memory/manual-clock.ts';
import { DemandFreshnessMonitor, probeResolution } from '../../../src/controller/freshness-monitor.ts';
import { InputError, RuntimeFailure } from '../../../src/domain/errors.ts';
import type { RegularSeries } from '../../../src/domain/series.ts';
import type { Inventory, OnlineWorkload } from '../../../src/domain/workload.ts';
import type { MetricsSource } from '../../../src/ports/metrics-source.ts';
import { standardInventory, T0 } from './fixtures.ts';

const SECOND_MS = 1_000;

/**
 * A metrics source answering from samples the test records (one value per whole second, per
 * query), or unreachable. Answers follow the MetricsSource contract: NaN where nothing was recorded.
 */
class RecordedMetrics implements MetricsSource {
  readonly samples = new Map<string, Map<number, number>>();
  reachable = true;
  rangeCalls = 0;
  private gate: Promise<void> | undefined;
  private openGate: (() => void) | undefined;

  record(query: string, atMs: number, value: number): void {
    const series = this.samples.get(query) ?? new Map<number, number>();
    series.set(atMs, value);
    this.samples.set(query, series);
  }

  /** Holds every answer until `release` (to overlap refreshes). */
  hold(): void {
    this.gate = new Promise((resolve) => {
      this.openGate = resolve;
    });
  }

  release(): void {
    this.openGate?.();
    this.gate = undefined;
  }

  async range(query: string, options: { startMs: number; endMs: number; stepMs: number }): Promise<RegularSeries> {
    this.rangeCalls += 1;
    await this.gate;
    if (!this.reachable) throw new RuntimeFailure('Prometheus at http://prometheus:9090 is unreachable');
    if (query.includes('{')) throw new InputError(`parse error in "${query}"`, { source: 'prometheus:query_range' });
    const count = Math.ceil((options.endMs - options.startMs) / options.stepMs);
    const recorded = this.samples.get(query) ?? new Map<number, number>();
    // Bucket i is evaluated at its end, as PrometheusSource does.
    const values = Float64Array.from({ length: count }, (_, index) => recorded.get(options.startMs + (index + 1) * options.stepMs) ?? Number.NaN);
    return { startMs: options.startMs, stepMs: options.stepMs, values, unit: 'requests/s' };
  }

  async instant(): Promise<number> {
    return Number.NaN;
  }
}

function prometheusFed(inventory: Inventory): Inventory {
  return {
    ...inventory,
    online: inventory.online.map((workload): OnlineWorkload => ({ ...workload, demand: { kind: 'prometheus', query: `${workload.name}_rps` } })),
  };
}

function setup(options: { onlyPay?: boolean } = {}): { clock: ManualClock; source: RecordedMetrics; monitor: DemandFreshnessMonitor } {
  const base = prometheusFed(standardInventory());
  const inventory = options.onlyPay === true
    ? { ...base, online: base.online.map((workload) => (workload.name === 'pay' ? workload : { ...workload, demand: { kind: 'csv' as const, path: 'x.csv', timeShiftMs: 0, scale: 1 } })) }
    : base;
  const clock = new ManualClock(T0);
  const source = new RecordedMetrics();
  const monitor = new DemandFreshnessMonitor({ source, inventory, clock, maxSampleAgeMs: 5 * SECOND_MS, maxResultAgeMs: 10 * SECOND_MS });
  return { clock, source, monitor };
}

/** Samples every second for both queries over [fromMs, toMs]. */
function recordEverySecond(source: RecordedMetrics, fromMs: number, toMs: number): void {
  for (let atMs = fromMs; atMs <= toMs; atMs += SECOND_MS) {
    source.record('pay_rps', atMs, 400);
    source.record('refund_rps', atMs, 30);
  }
}

const statuses = (freshness: ReadonlyMap<string, { status: string }>): Record<string, string> =>
  Object.fromEntries([...freshness].map(([name, entry]) => [name, entry.status]));

describe('DemandFreshnessMonitor', () => {
  it('measures only the workloads whose demand comes from Prometheus', () => {
    expect(setup().monitor.measuredWorkloads).toEqual(['pay', 'refund']);
    expect(setup({ onlyPay: true }).monitor.measuredWorkloads).toEqual(['pay']);
  });

  it('vouches for nothing before its first probe', () => {
    const { monitor } = setup();
    expect(statuses(monitor.current())).toEqual({ pay: 'missing', refund: 'missing' });
    expect([...monitor.current().values()][0]).toMatchObject({ message: 'freshness not measured yet' });
  });

  it('reports each change of status: first probe, data going stale, Prometheus gone, data back', async () => {
    const { clock, source, monitor } = setup();
    recordEverySecond(source, T0 - 60 * SECOND_MS, T0);
    const changed = async (): Promise<string[]> => (await monitor.refresh()).map((change) => `${change.workload} ${change.from ?? '-'}→${change.to.status}`);

    expect(await changed()).toEqual(['pay -→fresh', 'refund -→fresh']);
    expect(await changed()).toEqual([]);

    // Only refund keeps reporting; 8 s later pay's newest sample is older than the 5 s allowed.
    for (let atMs = T0 + SECOND_MS; atMs <= T0 + 8 * SECOND_MS; atMs += SECOND_MS) source.record('refund_rps', atMs, 30);
    clock.advance(8 * SECOND_MS);
    expect(await changed()).toEqual(['pay fresh→stale']);
    expect(monitor.current().get('pay')).toMatchObject({ status: 'stale', lastSampleAtMs: T0, message: expect.stringMatching(/newest sample is 8 s old/) });

    source.reachable = false;
    clock.advance(SECOND_MS);
    expect(await changed()).toEqual(['pay stale→missing', 'refund fresh→missing']);
    expect(monitor.current().get('refund')).toMatchObject({ status: 'missing', message: 'Prometheus at http://prometheus:9090 is unreachable' });

    source.reachable = true;
    recordEverySecond(source, T0, clock.nowMs());
    expect(await changed()).toEqual(['pay missing→fresh', 'refund missing→fresh']);
  });

  it('a query Prometheus rejects is missing data naming the query, never a crash', async () => {
    const clock = new ManualClock(T0);
    const source = new RecordedMetrics();
    const base = prometheusFed(standardInventory());
    const inventory = { ...base, online: base.online.map((workload) => (workload.name === 'pay' ? { ...workload, demand: { kind: 'prometheus' as const, query: 'pay_rps{' } } : workload)) };
    recordEverySecond(source, T0 - 60 * SECOND_MS, T0);
    const monitor = new DemandFreshnessMonitor({ source, inventory, clock, maxSampleAgeMs: 5 * SECOND_MS, maxResultAgeMs: 10 * SECOND_MS });
    await monitor.refresh();
    expect(statuses(monitor.current())).toEqual({ pay: 'missing', refund: 'fresh' });
    expect(monitor.current().get('pay')).toMatchObject({ message: expect.stringMatching(/^query "pay_rps\{" failed: .*parse error/) });
  });

  it('stops vouching once its newest result is older than maxResultAgeMs', async () => {
    const { clock, source, monitor } = setup();
    recordEverySecond(source, T0 - 60 * SECOND_MS, T0);
    await monitor.refresh();
    clock.advance(10 * SECOND_MS);
    expect(statuses(monitor.current())).toEqual({ pay: 'fresh', refund: 'fresh' });
    clock.advance(1);
    expect(statuses(monitor.current())).toEqual({ pay: 'missing', refund: 'missing' });
    expect(monitor.current().get('pay')).toMatchObject({ message: expect.stringMatching(/freshness last measured 10 s ago, longer than the 10 s a result is trusted/) });
  });

  it('trusts a slow round from when it answered (a large inventory must not expire its own results)', async () => {
    const { clock, source, monitor } = setup();
    recordEverySecond(source, T0 - 60 * SECOND_MS, T0);
    source.hold();
    const round = monitor.refresh();
    clock.advance(15 * SECOND_MS);
    source.release();
    await round;
    expect(statuses(monitor.current())).toEqual({ pay: 'fresh', refund: 'fresh' });
    clock.advance(10 * SECOND_MS);
    expect(statuses(monitor.current())).toEqual({ pay: 'fresh', refund: 'fresh' });
    clock.advance(1);
    expect(statuses(monitor.current())).toEqual({ pay: 'missing', refund: 'missing' });
  });

  it('shares one probe between refreshes made while it runs (a slow source never piles up probes)', async () => {
    const { source, monitor } = setup();
    recordEverySecond(source, T0 - 60 * SECOND_MS, T0);
    source.hold();
    const first = monitor.refresh();
    const second = monitor.refresh();
    source.release();
    const [firstChanges, secondChanges] = await Promise.all([first, second]);
    expect(secondChanges).toBe(firstChanges);
    expect(source.rangeCalls).toBe(2);
    await monitor.refresh();
    expect(source.rangeCalls).toBe(4);
  });
});

describe('probeResolution', () => {
  it.each([
    { maxSampleAgeMs: 3 * SECOND_MS, stepMs: SECOND_MS },
    { maxSampleAgeMs: 60 * SECOND_MS, stepMs: 12 * SECOND_MS },
    { maxSampleAgeMs: 5 * 60 * SECOND_MS, stepMs: 60 * SECOND_MS },
    { maxSampleAgeMs: 3_600 * SECOND_MS, stepMs: 60 * SECOND_MS },
  ])('$maxSampleAgeMs ms allowed → $stepMs ms steps over 30 min', ({ maxSampleAgeMs, stepMs }) => {
    expect(probeResolution(maxSampleAgeMs)).toEqual({ stepMs, lookbackMs: 30 * 60 * SECOND_MS });
  });
});
