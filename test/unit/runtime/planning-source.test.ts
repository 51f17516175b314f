/**
 * The controller's cycles on real data, no mocks: a config whose online workload reads its demand
 * from a shipped real trace (NYC taxi, NAB; counts per 30 min used as a request rate, scaled), the
 * real forecaster and the real planner. The forecast sees only history before `now`; the plan
 * starts at `now`, covers the horizon and follows the observed cluster.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanningSource } from '../../../src/runtime/planning-source/planning-source.ts';
import { parseConfigText } from '../../../src/config/load-config.ts';
import { ForecastUnavailableError, InputError } from '../../../src/domain/errors.ts';
import type { ClusterSnapshot } from '../../../src/ports/cluster.ts';
import { MemoryPeakEvents } from '../../../src/adapters/memory/memory-peak-events.ts';
import type { PeakEventObject } from '../../../src/calendar/peak-event.ts';

const TRACE = join(process.cwd(), 'sim/traces/nab-nyc-taxi/nyc_taxi.csv');
const NOW_MS = Date.UTC(2014, 7, 1, 0, 0);

const configYaml = `
planning: { slot: 30m, horizon: 12h, applyLatency: 15s }
forecast: { bucket: 30m, history: 21d }
nodePools:
  - { name: general, perNode: { cpu: "16", memory: 64Gi }, baseNodes: 20 }
online:
  - name: taxi-dispatch
    ref: { namespace: shop }
    rpsPerReplica: 500
    perReplica: { cpu: "1", memory: 1Gi }
    startup: { p50: 20s, p95: 45s }
    minReplicas: 2
    maxReplicas: 100
    demand: { kind: csv, path: ${JSON.stringify(TRACE)}, scale: 1 }
offline:
  - { name: etl, ref: { namespace: batch }, maxReplicas: 50, perReplica: { cpu: "2", memory: 4Gi } }
`;

function snapshot(): ClusterSnapshot {
  return {
    takenAtMs: NOW_MS,
    workloads: [
      { ref: { apiKind: 'Deployment', namespace: 'shop', name: 'taxi-dispatch' }, desiredReplicas: 10, readyReplicas: 10, annotations: {} },
      { ref: { apiKind: 'Deployment', namespace: 'batch', name: 'etl' }, desiredReplicas: 50, readyReplicas: 50, annotations: {} },
    ],
    nodePools: [{ pool: 'general', readyNodes: 20, provisioningNodes: 0, allocatableCpuMillicores: 320_000, allocatableMemoryBytes: 20 * 64 * 1024 ** 3 }],
  };
}

describe('PlanningSource on a real trace', () => {
  it('forecasts from history before now and plans the horizon from the live cluster', async () => {
    const config = parseConfigText(configYaml, 'config.yaml');
    const cycles = new PlanningSource({ config });
    const [forecast, ...others] = await cycles.refreshForecasts(NOW_MS);
    expect(others).toEqual([]);
    expect(forecast?.workload).toBe('taxi-dispatch');
    expect(forecast?.issuedAtMs).toBe(NOW_MS);
    expect(forecast?.startMs).toBe(NOW_MS);
    expect(forecast?.quantiles).toEqual([0.5, 0.9, 0.99]);
    const p99 = forecast!.bands[2]!;
    expect(p99.length).toBeGreaterThanOrEqual(24);
    expect([...p99].every((value) => Number.isFinite(value) && value > 0)).toBe(true);

    const plan = await cycles.plan({ nowMs: NOW_MS, forecasts: new Map([['taxi-dispatch', forecast!]]), snapshot: snapshot() });
    // Named by the minute and a hash of what it rests on, as `chuanliu plan` names its plans.
    expect(plan.id).toMatch(/^plan-20140801T000000Z-[0-9a-f]{8}$/);
    const again = await cycles.plan({ nowMs: NOW_MS, forecasts: new Map([['taxi-dispatch', forecast!]]), snapshot: snapshot() });
    expect(again.id).toBe(plan.id);
    expect(plan.startMs).toBe(NOW_MS);
    expect(plan.slotMs).toBe(30 * 60_000);
    expect(plan.slotCount).toBe(24);
    const taxi = plan.replicas['taxi-dispatch']!;
    // Enough replicas for the p99 band in every slot (within min/max), offline gets the rest.
    for (let slot = 0; slot < plan.slotCount; slot++) {
      expect(taxi[slot]).toBeGreaterThanOrEqual(Math.min(100, Math.max(2, Math.ceil((p99[slot] as number) / 500))));
    }
    expect(plan.replicas['etl']?.length).toBe(24);
  });

  it('refuses at once (bad input, --prometheus) a workload reading Prometheus when no URL was given', () => {
    const config = parseConfigText(configYaml.replace(/demand: .*/, 'demand: { kind: prometheus, query: "sum(rate(requests_total[1m]))" }'), 'config.yaml');
    expect(() => new PlanningSource({ config })).toThrow(InputError);
    expect(() => new PlanningSource({ config })).toThrow(/^--prometheus-url: taxi-dispatch: demand comes from Prometheus but no --prometheus-url was given/);
  });
});

// ---- reloads: what the plan is made from is re-read on every cycle ----------------------------

const PROMOTION_AT_4 = `
name: taxi-test
synthetic: true
timeZone: UTC
promotions:
  - { id: late-sale, platform: test, start: "2014-08-01T04:00", duration: 2h, ramp: 0s, uplift: 3, workloads: [taxi-dispatch] }
`;

const SMALL_REPLICAS = configYaml.replace('rpsPerReplica: 500', 'rpsPerReplica: 1');

async function withFiles(run: (paths: { directory: string; config: string; calendar: string }) => Promise<void>): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-planning-source-'));
  try {
    const calendar = join(directory, 'calendar.yaml');
    const config = join(directory, 'config.yaml');
    await writeFile(calendar, 'name: empty\nsynthetic: true\ntimeZone: UTC\n');
    // One request/s per replica: the trace's rates (a few per second) then need replicas that show the events.
    await writeFile(config, `calendar: calendar.yaml\n${SMALL_REPLICAS}`);
    await run({ directory, config, calendar });
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

describe('PlanningSource reloads', () => {
  it('a calendar changed on disk is in the next plan (no calendar cached from the first read)', async () => {
    await withFiles(async ({ config, calendar }) => {
      const source = new PlanningSource({ configPath: config });
      const forecasts = new Map((await source.refreshForecasts(NOW_MS)).map((forecast) => [forecast.workload, forecast] as const));
      const before = await source.plan({ nowMs: NOW_MS, forecasts, snapshot: snapshot() });
      await writeFile(calendar, PROMOTION_AT_4);
      const report = await source.reload();
      expect(report.changed).toEqual(['calendar']);
      expect(report.affectedWorkloads).toEqual(['taxi-dispatch']);
      // Same stored forecasts: the source re-forecasts the workload whose events changed.
      const after = await source.plan({ nowMs: NOW_MS, forecasts, snapshot: snapshot() });
      expect(after.id).not.toBe(before.id);
      // Slots 8..11 are 04:00–06:00: the ×3 promotion raises each of them (3–6 replicas before);
      // the hours before the lead keep theirs.
      for (let slot = 8; slot < 12; slot++) expect(after.replicas['taxi-dispatch']![slot]).toBeGreaterThanOrEqual(before.replicas['taxi-dispatch']![slot]! + 4);
      expect(after.replicas['taxi-dispatch']!.slice(0, 6)).toEqual(before.replicas['taxi-dispatch']!.slice(0, 6));
    });
  });

  it('a calendar that no longer parses keeps the last good one and says which line is wrong', async () => {
    await withFiles(async ({ config, calendar }) => {
      await writeFile(calendar, PROMOTION_AT_4);
      const source = new PlanningSource({ configPath: config });
      await source.load();
      await writeFile(calendar, PROMOTION_AT_4.replace('uplift: 3', 'uplift: -3'));
      const report = await source.reload();
      expect(report.changed).toEqual([]);
      expect(report.failures).toHaveLength(1);
      expect(report.failures[0]?.part).toBe('calendar');
      expect(report.failures[0]?.message).toMatch(/calendar\.yaml, line 6, field promotions\[0\]\.uplift: .*keeping the last good calendar/);
      expect(source.current.calendar?.events.map((event) => event.id)).toEqual(['late-sale']);
    });
  });

  it('a config that changes the inventory is refused while running; a planning change is taken', async () => {
    await withFiles(async ({ config }) => {
      const source = new PlanningSource({ configPath: config });
      await source.load();
      await writeFile(config, `calendar: calendar.yaml\n${SMALL_REPLICAS.replace('maxReplicas: 100', 'maxReplicas: 90')}`);
      const refused = await source.reload();
      expect(refused.failures[0]?.message).toMatch(/inventory .* changed; .*restart it.*keeping the last good config/);
      expect(source.current.config.inventory.online[0]?.maxReplicas).toBe(100);
      await writeFile(config, `calendar: calendar.yaml\n${SMALL_REPLICAS.replace('horizon: 12h', 'horizon: 6h')}`);
      const taken = await source.reload();
      expect(taken.failures).toEqual([]);
      expect(taken.changed).toContain('config');
      expect(source.current.config.planning.horizonMs).toBe(6 * 3_600_000);
    });
  });

  it('a first load that fails is bad input: nothing to fall back on', async () => {
    await withFiles(async ({ config, calendar }) => {
      await writeFile(calendar, 'name: broken\n');
      await expect(new PlanningSource({ configPath: config }).load()).rejects.toThrow(InputError);
    });
  });

  it('PeakEvents merge with the calendar, a clash is named, a bad one is refused and the rest apply', async () => {
    await withFiles(async ({ config, calendar }) => {
      await writeFile(calendar, PROMOTION_AT_4);
      const events = new MemoryPeakEvents();
      const source = new PlanningSource({ configPath: config, peakEvents: events });
      const forecasts = new Map((await source.refreshForecasts(NOW_MS)).map((forecast) => [forecast.workload, forecast] as const));
      const before = await source.plan({ nowMs: NOW_MS, forecasts, snapshot: snapshot() });
      events.put(peakEvent('flash', { kind: 'livestream', start: '2014-08-01T05:00:00Z', timeZone: 'UTC', duration: '1h', ramp: '2m', expectedRps: { 'taxi-dispatch': 20 } }));
      events.put(peakEvent('nowhere', { kind: 'promotion', start: '2014-08-01T07:00', timeZone: 'Mars/Olympus', duration: '1h', uplift: 2 }));
      const report = await source.reload();
      expect(report.changed).toEqual(['peakEvents']);
      expect(report.refusedEvents).toEqual([expect.objectContaining({ name: 'nowhere', message: expect.stringMatching(/timeZone: expected an IANA time zone that exists/) })]);
      expect(report.clashes.map((clash) => clash.message)).toEqual([
        expect.stringMatching(/^peakevent\/shop\/flash overlaps calendar promotion "late-sale" .* on taxi-dispatch: both apply/),
      ]);
      const after = await source.plan({ nowMs: NOW_MS, forecasts, snapshot: snapshot() });
      // 05:00–05:30 is slot 10: 20 rps more at the top of the pulse needs up to 20 more replicas.
      expect(after.replicas['taxi-dispatch']![10]).toBeGreaterThanOrEqual(before.replicas['taxi-dispatch']![10]! + 8);

      // Cancelled: out of the next plan again.
      events.put(peakEvent('flash', { kind: 'livestream', start: '2014-08-01T05:00:00Z', timeZone: 'UTC', duration: '1h', ramp: '2m', expectedRps: { 'taxi-dispatch': 20 }, cancelled: true }));
      const cancelled = await source.plan({ nowMs: NOW_MS, forecasts, snapshot: snapshot() });
      expect(cancelled.replicas['taxi-dispatch']![10]).toBe(before.replicas['taxi-dispatch']![10]);
    });
  });

  it('PeakEvents that cannot be listed keep the last list and are reported', async () => {
    await withFiles(async ({ config }) => {
      const events = new MemoryPeakEvents();
      events.put(peakEvent('flash', { kind: 'promotion', start: '2014-08-01T05:00:00Z', timeZone: 'UTC', duration: '1h', uplift: 2 }));
      const source = new PlanningSource({ configPath: config, peakEvents: events });
      await source.load();
      events.failure = new Error('connect ECONNREFUSED');
      const report = await source.reload();
      expect(report.failures).toEqual([{ part: 'peakEvents', message: 'PeakEvents could not be listed: connect ECONNREFUSED; keeping the 1 last listed' }]);
      expect(source.current.peakEvents.map((event) => event.name)).toEqual(['flash']);
    });
  });
});

function peakEvent(name: string, spec: Record<string, unknown>): PeakEventObject {
  return { apiVersion: 'chuanliu.io/v1alpha1', kind: 'PeakEvent', metadata: { name, namespace: 'shop' }, spec };
}

describe('PlanningSource first load', () => {
  it('starts without PeakEvents the API cannot list yet, and takes them at the next poll', async () => {
    await withFiles(async ({ config }) => {
      const events = new MemoryPeakEvents();
      events.put(peakEvent('flash', { kind: 'promotion', start: '2014-08-01T05:00:00Z', timeZone: 'UTC', duration: '1h', uplift: 2 }));
      events.failure = new Error('HTTP 429: storage is (re)initializing');
      const reports: string[] = [];
      const source = new PlanningSource({ configPath: config, peakEvents: events, onReload: (report) => reports.push(...report.failures.map((failure) => failure.message)) });
      await source.load();
      expect(reports).toEqual(['PeakEvents could not be listed: HTTP 429: storage is (re)initializing; keeping the 0 last listed']);
      expect(source.current.peakEvents).toEqual([]);
      events.failure = undefined;
      expect(await source.pollChanges()).toBe('the events of taxi-dispatch changed (peakEvents)');
      expect(source.current.peakEvents.map((event) => event.name)).toEqual(['flash']);
    });
  });
});

describe('PlanningSource when no forecast can be made', () => {
  it('leaves out (and reports) a workload no forecast can be made for, so its last good forecast stays; without a listener the refresh fails', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'chuanliu-cycles-'));
    try {
      // SYNTHETIC: five hourly buckets before now, too few for any forecast.
      const rows = Array.from({ length: 5 }, (_, hour) => `${new Date(NOW_MS - (5 - hour) * 3_600_000).toISOString()},${100 + hour}`);
      const shortTrace = join(directory, 'short.csv');
      await writeFile(shortTrace, `timestamp,value\n${rows.join('\n')}\n`);
      const twoWorkloads = configYaml.replace('offline:', `  - name: refund
    ref: { namespace: shop }
    rpsPerReplica: 500
    perReplica: { cpu: "1", memory: 1Gi }
    startup: { p50: 20s, p95: 45s }
    minReplicas: 2
    maxReplicas: 10
    demand: { kind: csv, path: ${JSON.stringify(shortTrace)}, scale: 1 }
offline:`);
      const config = parseConfigText(twoWorkloads, 'config.yaml');
      const unavailable: { workload: string; reason: string; message: string }[] = [];
      const source = new PlanningSource({ config, onForecastUnavailable: (workload, error) => unavailable.push({ workload, reason: error.reason, message: error.message }) });
      const forecasts = await source.refreshForecasts(NOW_MS);
      expect(forecasts.map((forecast) => forecast.workload)).toEqual(['taxi-dispatch']);
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]).toMatchObject({ workload: 'refund', reason: 'history-too-short' });
      expect(unavailable[0]?.message).toMatch(/refund: cannot forecast from this history: .*history too short: 5 observed buckets/);

      await expect(new PlanningSource({ config }).refreshForecasts(NOW_MS)).rejects.toThrow(ForecastUnavailableError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
