import { GUARD_DEFAULTS } from '../../../src/domain/guard-defaults.ts';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.ts';
import { loadConfigFile, parseConfigText } from '../../../src/config/load-config.ts';

const SOURCE = 'cluster.yaml';

/** A small valid config; rows below change one line each, so line numbers stay meaningful. */
const BASE = [
  /*  1 */ 'nodePools:',
  /*  2 */ '  - name: shared',
  /*  3 */ '    perNode: { cpu: "32", memory: 128Gi }',
  /*  4 */ '    baseNodes: 4',
  /*  5 */ 'online:',
  /*  6 */ '  - name: payment',
  /*  7 */ '    ref: { namespace: payments }',
  /*  8 */ '    rpsPerReplica: 100',
  /*  9 */ '    perReplica: { cpu: 500m, memory: 1Gi }',
  /* 10 */ '    startup: { p50: 20s, p95: 45s }',
  /* 11 */ '    minReplicas: 2',
  /* 12 */ '    maxReplicas: 10',
  /* 13 */ '    nodePool: shared',
  /* 14 */ 'offline:',
  /* 15 */ '  - name: analytics',
  /* 16 */ '    ref: { namespace: batch }',
  /* 17 */ '    maxReplicas: 50',
  /* 18 */ '    perReplica: { cpu: "4", memory: 8Gi }',
  /* 19 */ 'controller:',
  /* 20 */ '  namespaces: [payments, batch]',
];

/** BASE with line `line` (1-based) replaced by `text` (which may hold several lines). */
function withLine(line: number, text: string): string {
  return BASE.map((original, index) => (index === line - 1 ? text : original)).join('\n');
}

function errorOf(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError, but the input was accepted');
}

describe('parseConfigText: a valid config', () => {
  it('applies the documented defaults', () => {
    const config = parseConfigText(BASE.join('\n'), SOURCE);
    expect(config.planning).toEqual({ slotMs: 60_000, horizonMs: 6 * 3_600_000, applyLatencyMs: 15_000, scaleInStabilizationMs: 300_000 });
    expect(config.forecast).toEqual({ quantiles: [0.5, 0.9, 0.99], bucketMs: 60_000, historyMs: 28 * 86_400_000, refitEveryMs: 86_400_000 });
    expect(config.guard).toEqual({
      bandQuantile: 0.99, sampleIntervalMs: 5_000, headroomFactor: GUARD_DEFAULTS.headroomFactor, consecutiveSamples: GUARD_DEFAULTS.consecutiveSamples,
      toleranceFraction: GUARD_DEFAULTS.toleranceFraction, coolDownMs: GUARD_DEFAULTS.coolDownMs, stabilizationMs: GUARD_DEFAULTS.stabilizationMs, trendHorizonMs: GUARD_DEFAULTS.trendHorizonMs,
    });
    expect(config.controller.dataFreshness).toEqual({ maxSampleAgeMs: 300_000, checkEveryMs: 30_000 });
    const [payment] = config.inventory.online;
    expect(payment).toMatchObject({
      class: 'online', name: 'payment', ref: { apiKind: 'Deployment', namespace: 'payments', name: 'payment' },
      perReplica: { cpuMillicores: 500, memoryBytes: 1024 ** 3 }, startup: { p50Ms: 20_000, p95Ms: 45_000 },
      minReplicas: 2, maxReplicas: 10, priority: 100, demandQuantile: 0.99, nodePool: 'shared',
    });
    expect(config.inventory.offline[0]).toMatchObject({ class: 'offline', minReplicas: 0, priority: 0, drainMs: 30_000 });
    expect(config.inventory.nodePools[0]).toEqual({ name: 'shared', perNode: { cpuMillicores: 32_000, memoryBytes: 128 * 1024 ** 3 }, baseNodes: 4, costPerNodeHour: 0 });
  });

  it('reads the guard settings: trend horizon, hysteresis tolerance, cool-down and stabilization', () => {
    const config = parseConfigText(`${BASE.join('\n')}\nguard:\n  trendHorizon: 45s\n  tolerance: 0.2\n  coolDown: 90s\n  stabilization: 2m`, SOURCE);
    expect(config.guard).toMatchObject({ trendHorizonMs: 45_000, toleranceFraction: 0.2, coolDownMs: 90_000, stabilizationMs: 120_000 });
  });

  it('adds the demand quantiles and the guard band to the forecast quantiles, sorted', () => {
    const config = parseConfigText(`${withLine(13, '    demandQuantile: 0.95')}\nguard:\n  bandQuantile: 0.975`, SOURCE);
    expect(config.forecast.quantiles).toEqual([0.5, 0.9, 0.95, 0.975, 0.99]);
  });

  it('defaults the namespace allowlist to the workloads\' namespaces', () => {
    const config = parseConfigText(BASE.slice(0, 18).join('\n'), SOURCE);
    expect(config.controller.namespaces).toEqual(['batch', 'payments']);
  });

  it('reads the freshness gate\'s settings', () => {
    const config = parseConfigText(`${BASE.join('\n')}\n  dataFreshness: { maxSampleAge: 2m, checkEvery: 10s }`, SOURCE);
    expect(config.controller.dataFreshness).toEqual({ maxSampleAgeMs: 120_000, checkEveryMs: 10_000 });
  });

  it('takes node provisioning from the slowest elastic pool unless planning states it', () => {
    const elastic = withLine(4, '    baseNodes: 4\n  - name: burst\n    perNode: { cpu: "16", memory: 64Gi }\n    baseNodes: 0\n    elastic: { maxNodes: 10, provisioning: 4m }');
    expect(parseConfigText(elastic, SOURCE).planning.nodeProvisioningMs).toBe(240_000);
    expect(parseConfigText(`${elastic}\nplanning:\n  nodeProvisioning: 90s`, SOURCE).planning.nodeProvisioningMs).toBe(90_000);
    expect(parseConfigText(elastic, SOURCE).inventory.nodePools[1]?.elastic).toEqual({ maxNodes: 10, provisioningMs: 240_000 });
  });

  it('parses demand sources and offline deadlines', () => {
    const text = withLine(13, '    demand: { kind: csv, path: traces/pay.csv, scale: 2, timeShift: 7d }')
      .replace('    perReplica: { cpu: "4", memory: 8Gi }', '    perReplica: { cpu: "4", memory: 8Gi }\n    deadline: 2026-11-12T06:00:00+08:00\n    workCoreHours: 120');
    const config = parseConfigText(text, SOURCE);
    expect(config.inventory.online[0]?.demand).toEqual({ kind: 'csv', path: 'traces/pay.csv', scale: 2, timeShiftMs: 7 * 86_400_000 });
    expect(config.inventory.offline[0]).toMatchObject({ deadlineMs: Date.UTC(2026, 10, 11, 22), workCoreHours: 120 });
  });
});

describe('parseConfigText: node pools and scheduling constraints', () => {
  const ELASTIC = [
    ...BASE.slice(0, 4),
    '  - name: burst',
    '    perNode: { cpu: "16", memory: 64Gi }',
    '    baseNodes: 0',
    '    costPerNodeHour: 1.1',
    '    labels: { chuanliu.io/pool: burst }',
    '    taints: [{ key: burst, value: "true", effect: NoSchedule }]',
    '    elastic:',
    '      maxNodes: 40',
    '      provisioning: { p50: 70s, p95: 2m }',
    '      placeholders: {}',
    ...BASE.slice(4, 12),
    '    tolerations: [{ key: burst, operator: Equal, value: "true", effect: NoSchedule }]',
    ...BASE.slice(13),
  ].join('\n');

  it('reads labels, taints, provisioning p50/p95, placeholders with their defaults, and tolerations', () => {
    const config = parseConfigText(ELASTIC, SOURCE);
    expect(config.inventory.nodePools[1]).toEqual({
      name: 'burst',
      perNode: { cpuMillicores: 16_000, memoryBytes: 64 * 1024 ** 3 },
      baseNodes: 0,
      costPerNodeHour: 1.1,
      labels: { 'chuanliu.io/pool': 'burst' },
      taints: [{ key: 'burst', value: 'true', effect: 'NoSchedule' }],
      elastic: {
        maxNodes: 40, provisioningMs: 120_000, provisioningP50Ms: 70_000,
        placeholders: {
          namespace: 'chuanliu-placeholders', deploymentName: 'chuanliu-placeholder-burst', priorityClassName: 'chuanliu-placeholder', priorityValue: -10,
          perPod: { cpuMillicores: 14_400, memoryBytes: Math.floor(64 * 1024 ** 3 * 0.9) },
        },
      },
    });
    expect(config.inventory.online[0]?.tolerations).toEqual([{ key: 'burst', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(config.inventory.online[0]?.nodePool).toBeUndefined();
    expect(config.planning.nodeProvisioningMs).toBe(120_000);
  });
});

describe('parseConfigText: bad input names file, line and field', () => {
  it.each([
    { name: 'min above max replicas', text: withLine(11, '    minReplicas: 20'), line: 11, field: 'online[0].minReplicas', message: /expected minReplicas ≤ maxReplicas \(10\)/ },
    { name: 'startup p50 above p95', text: withLine(10, '    startup: { p50: 60s, p95: 45s }'), line: 10, field: 'online[0].startup.p50', message: /expected startup.p50 ≤ startup.p95/ },
    { name: 'duration without unit', text: withLine(10, '    startup: { p50: 20, p95: 45s }'), line: 10, field: 'online[0].startup.p50', message: /expected a duration with a unit .*, got 20/ },
    { name: 'zero slot', text: `${BASE.join('\n')}\nplanning:\n  slot: 0s`, line: 22, field: 'planning.slot', message: /greater than zero, got "0s"/ },
    { name: 'negative duration', text: `${BASE.join('\n')}\nplanning:\n  applyLatency: -5s`, line: 22, field: 'planning.applyLatency', message: /expected a duration.*got "-5s"/ },
    { name: 'CPU in words', text: withLine(9, '    perReplica: { cpu: 2 cores, memory: 1Gi }'), line: 9, field: 'online[0].perReplica.cpu', message: /expected a CPU quantity .*got "2 cores"/ },
    { name: 'memory in GB spelling', text: withLine(9, '    perReplica: { cpu: 500m, memory: 1GB }'), line: 9, field: 'online[0].perReplica.memory', message: /expected a memory quantity .*got "1GB"/ },
    { name: 'zero requests per replica', text: withLine(8, '    rpsPerReplica: 0'), line: 8, field: 'online[0].rpsPerReplica', message: /expected a number > 0, got 0/ },
    { name: 'text where a number belongs', text: withLine(4, '    baseNodes: many'), line: 4, field: 'nodePools[0].baseNodes', message: /expected a number, got "many"/ },
    { name: 'negative node count', text: withLine(4, '    baseNodes: -1'), line: 4, field: 'nodePools[0].baseNodes', message: /expected a number ≥ 0, got -1/ },
    { name: 'fractional replicas', text: withLine(12, '    maxReplicas: 2.5'), line: 12, field: 'online[0].maxReplicas', message: /expected an integer, got 2.5/ },
    { name: 'demand quantile of 1', text: withLine(13, '    demandQuantile: 1'), line: 13, field: 'online[0].demandQuantile', message: /expected a number < 1, got 1/ },
    { name: 'demand quantile of 0', text: withLine(13, '    demandQuantile: 0'), line: 13, field: 'online[0].demandQuantile', message: /expected a number > 0, got 0/ },
    { name: 'duplicate workload names', text: withLine(15, '  - name: payment'), line: 15, field: 'offline[0].name', message: /expected unique workload names, got "payment" again \(first at online\[0\]\.name\)/ },
    { name: 'unknown node pool', text: withLine(13, '    nodePool: gpu'), line: 13, field: 'online[0].nodePool', message: /expected one of the node pools \(shared\), got "gpu"/ },
    { name: 'replica larger than a node', text: withLine(9, '    perReplica: { cpu: "64", memory: 1Gi }'), line: 9, field: 'online[0].perReplica', message: /fits on one node of pool "shared"/ },
    { name: 'namespace outside the allowlist', text: withLine(20, '  namespaces: [payments]'), line: 16, field: 'offline[0].ref.namespace', message: /expected a namespace listed in controller.namespaces \(payments\), got "batch"/ },
    { name: 'misspelt field', text: withLine(13, '    nodepool: shared'), line: 13, field: 'online[0].nodepool', message: /expected one of name, ref, hpa, .*; "nodepool" is not a field \(did you mean "nodePool"\?\), got "shared"/ },
    { name: 'missing required field', text: withLine(12, '    priority: 5'), line: 6, field: 'online[0].maxReplicas', message: /expected a number, got nothing \(the field is missing\)/ },
    { name: 'unknown object kind', text: withLine(16, '    ref: { kind: Pod, namespace: batch }'), line: 16, field: 'offline[0].ref.kind', message: /expected one of "Deployment", "StatefulSet", "Job", "CronJob", got "Pod"/ },
    { name: 'deadline without offset', text: withLine(17, '    maxReplicas: 50\n    deadline: 2026-11-12T06:00'), line: 18, field: 'offline[0].deadline', message: /expected an ISO 8601 instant with an offset/ },
    { name: 'quantiles out of order', text: `${BASE.join('\n')}\nforecast:\n  quantiles: [0.9, 0.5]`, line: 22, field: 'forecast.quantiles[1]', message: /increasing order/ },
    { name: 'horizon shorter than a slot', text: `${BASE.join('\n')}\nplanning:\n  slot: 5m\n  horizon: 1m`, line: 23, field: 'planning.horizon', message: /at least one slot/ },
    { name: 'slot not a whole number of buckets', text: `${BASE.join('\n')}\nplanning:\n  slot: 90s`, line: 22, field: 'planning.slot', message: /whole number of forecast buckets/ },
    { name: 'invalid demand source kind', text: withLine(13, '    demand: { kind: influx, query: x }'), line: 13, field: 'online[0].demand.kind', message: /expected one of "csv", "prometheus", got "influx"/ },
    { name: 'no node pools', text: withLine(1, 'nodePools: []').replace(/\n  - name: shared\n.*\n.*baseNodes: 4/, ''), line: 1, field: 'nodePools', message: /expected at least 1 item, got a list of 0/ },
    { name: 'guard trend horizon without unit', text: `${BASE.join('\n')}\nguard:\n  trendHorizon: 30`, line: 22, field: 'guard.trendHorizon', message: /expected a duration with a unit/ },
    { name: 'negative guard trend horizon', text: `${BASE.join('\n')}\nguard:\n  trendHorizon: -30s`, line: 22, field: 'guard.trendHorizon', message: /expected a duration.*got "-30s"/ },
    { name: 'zero freshness check period', text: `${BASE.join('\n')}\n  dataFreshness: { checkEvery: 0s }`, line: 21, field: 'controller.dataFreshness.checkEvery', message: /greater than zero, got "0s"/ },
    { name: 'freshness age without unit', text: `${BASE.join('\n')}\n  dataFreshness:\n    maxSampleAge: 300`, line: 22, field: 'controller.dataFreshness.maxSampleAge', message: /expected a duration with a unit/ },
    { name: 'nodeSelector no pool has', text: withLine(13, '    nodeSelector: { gpu: "true" }'), line: 13, field: 'online[0].nodeSelector', message: /expected scheduling constraints that some node pool satisfies/ },
    { name: 'toleration with Equal and no key', text: withLine(13, '    tolerations: [{ operator: Equal, value: x }]'), line: 13, field: 'online[0].tolerations[0].key', message: /expected a key with operator Equal/ },
    { name: 'unknown taint effect', text: withLine(4, '    baseNodes: 4\n    taints: [{ key: burst, effect: NoWay }]'), line: 5, field: 'nodePools[0].taints[0].effect', message: /expected one of "NoSchedule", "PreferNoSchedule", "NoExecute", got "NoWay"/ },
    { name: 'provisioning p50 above p95', text: withLine(4, '    baseNodes: 4\n    elastic: { maxNodes: 3, provisioning: { p50: 5m, p95: 2m } }'), line: 5, field: 'nodePools[0].elastic.provisioning.p50', message: /expected p50 ≤ p95/ },
    { name: 'placeholder pod larger than a node', text: withLine(4, '    baseNodes: 4\n    elastic: { maxNodes: 3, placeholders: { perPod: { cpu: "40", memory: 1Gi } } }'), line: 5, field: 'nodePools[0].elastic.placeholders.perPod', message: /expected a placeholder pod that fits on one node/ },
    { name: 'placeholder priority not negative', text: withLine(4, '    baseNodes: 4\n    elastic: { maxNodes: 3, placeholders: { priority: 5 } }'), line: 5, field: 'nodePools[0].elastic.placeholders.priority', message: /expected a number ≤ -1, got 5/ },
    { name: 'duplicate node pool', text: withLine(4, '    baseNodes: 4\n  - name: shared\n    perNode: { cpu: "8", memory: 8Gi }\n    baseNodes: 1'), line: 5, field: 'nodePools[1].name', message: /expected unique node pool names/ },
  ])('$name', ({ text, line, field, message }) => {
    const error = errorOf(() => parseConfigText(text, SOURCE));
    expect(error.location).toEqual({ source: SOURCE, line, field });
    expect(error.message).toContain(`${SOURCE}, line ${line}, field ${field}: `);
    expect(error.message).toMatch(message);
    expect(error.details).toContainEqual(expect.stringMatching(new RegExp(`^${SOURCE}:${line}: ${field.replace(/[[\].]/g, '\\$&')}: `)));
  });

  it('lists every problem of the file at once, in line order', () => {
    const text = withLine(8, '    rpsPerReplica: -3')
      .replace('memory: 1Gi', 'memory: lots')
      .replace('maxReplicas: 50', 'maxReplicas: 50\n    colour: blue');
    const error = errorOf(() => parseConfigText(text, SOURCE));
    expect(error.details).toEqual([
      `${SOURCE}:8: online[0].rpsPerReplica: expected a number > 0, got -3`,
      `${SOURCE}:9: online[0].perReplica.memory: expected a memory quantity such as 512Mi or 2Gi, got "lots"`,
      `${SOURCE}:18: offline[0].colour: expected one of name, ref, priority, minReplicas, maxReplicas, perReplica, workCoreHours, deadline, drain, nodePool, nodeSelector, tolerations; "colour" is not a field, got "blue"`,
    ]);
    expect(error.message).toMatch(/and 2 more problems/);
  });

  it.each([
    { name: 'duplicate key', text: withLine(12, '    maxReplicas: 10\n    maxReplicas: 12'), line: 13, message: /expected valid YAML: .*[Mm]ap keys must be unique/ },
    { name: 'bad indentation', text: withLine(9, '   perReplica: { cpu: 500m, memory: 1Gi }'), line: 9, message: /expected valid YAML/ },
    { name: 'unclosed flow mapping', text: withLine(10, '    startup: { p50: 20s, p95: 45s'), line: 11, message: /expected valid YAML/ },
  ])('YAML syntax error: $name', ({ text, line, message }) => {
    const error = errorOf(() => parseConfigText(text, SOURCE));
    expect(error.location).toMatchObject({ source: SOURCE, line });
    expect(error.message).toMatch(message);
  });

  it('reports an empty document', () => {
    const error = errorOf(() => parseConfigText('', SOURCE));
    expect(error.details).toEqual([`${SOURCE}:1: expected a mapping, got an empty document`]);
  });
});

describe('loadConfigFile', () => {
  let folder = '';
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'chuanliu-config-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('resolves the calendar and CSV paths against the config file\'s folder', async () => {
    const path = join(folder, 'config.yaml');
    await writeFile(path, `calendar: ../forecasts/day.yaml\n${withLine(13, '    demand: { kind: csv, path: traces/pay.csv }')}`);
    const config = await loadConfigFile(path);
    expect(config.calendarPath).toBe(join(folder, '..', 'forecasts', 'day.yaml'));
    expect(config.inventory.online[0]?.demand).toMatchObject({ kind: 'csv', path: join(folder, 'traces', 'pay.csv') });
    expect(config.source).toBe(path);
  });

  it('names a missing file as bad input', async () => {
    const path = join(folder, 'missing.yaml');
    await expect(loadConfigFile(path)).rejects.toThrow(InputError);
    await expect(loadConfigFile(path)).rejects.toThrow(`${path}: cannot read the config file: no such file`);
  });

  it('loads the shipped Double-11 example config', async () => {
    const config = await loadConfigFile(join(import.meta.dirname, '../../../sim/config.double11.yaml'));
    expect(config.inventory.online.map((workload) => workload.name)).toEqual(['payment', 'balance-payment', 'refund', 'checkout']);
    expect(config.inventory.offline.map((workload) => workload.name)).toEqual(['settlement', 'reports', 'analytics', 'training']);
    expect(config.inventory.nodePools.some((pool) => pool.elastic !== undefined)).toBe(true);
    expect(config.calendarPath).toMatch(/forecasts\/double11\.yaml$/);
  });
});
