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
import { ConfigPlanningCycles } from '../../../src/cli/config-planning-cycles.ts';
import { parseConfigText } from '../../../src/config/load-config.ts';
import { ForecastUnavailableError, InputError } from '../../../src/domain/errors.ts';
import type { ClusterSnapshot } from '../../../src/ports/cluster.ts';

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

describe('ConfigPlanningCycles on a real trace', () => {
  it('forecasts from history before now and plans the horizon from the live cluster', async () => {
    const config = parseConfigText(configYaml, 'config.yaml');
    const cycles = new ConfigPlanningCycles({ config });
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
    expect(() => new ConfigPlanningCycles({ config })).toThrow(InputError);
    expect(() => new ConfigPlanningCycles({ config })).toThrow(/^--prometheus-url: taxi-dispatch: demand comes from Prometheus but no --prometheus-url was given/);
  });

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
      const cycles = new ConfigPlanningCycles({ config, onForecastUnavailable: (workload, error) => unavailable.push({ workload, reason: error.reason, message: error.message }) });
      const forecasts = await cycles.refreshForecasts(NOW_MS);
      expect(forecasts.map((forecast) => forecast.workload)).toEqual(['taxi-dispatch']);
      expect(unavailable).toHaveLength(1);
      expect(unavailable[0]).toMatchObject({ workload: 'refund', reason: 'history-too-short' });
      expect(unavailable[0]?.message).toMatch(/refund: cannot forecast from this history: .*history too short: 5 observed buckets/);

      await expect(new ConfigPlanningCycles({ config }).refreshForecasts(NOW_MS)).rejects.toThrow(ForecastUnavailableError);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
