import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/domain/errors.ts';
import { loadScenarioFile } from '../../../src/simulator/load-scenario.ts';
import { builtinStrategies } from '../../../src/simulator/strategies/index.ts';
import { scenarioFolder, surgeTraceCsv, VALID_SCENARIO } from './scenario-fixtures.ts';

const registry = builtinStrategies();

async function loadError(text: string, extraFiles: Record<string, string> = {}): Promise<InputError> {
  const folder = scenarioFolder({ 'scenario.yaml': text, ...extraFiles });
  try {
    await loadScenarioFile(join(folder, 'scenario.yaml'), { registry });
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the scenario to be rejected');
}

function lineOf(text: string, fragment: string): number {
  return text.split('\n').findIndex((line) => line.includes(fragment)) + 1;
}

describe('loading a scenario', () => {
  it('reads the inventory, traffic, strategies settings and the window', async () => {
    const folder = scenarioFolder({ 'scenario.yaml': VALID_SCENARIO });
    const scenario = await loadScenarioFile(join(folder, 'scenario.yaml'), { registry });
    expect(scenario.workloads.map((workload) => workload.name)).toEqual(['web', 'batch']);
    expect(scenario.endMs - scenario.startMs).toBe(90 * 60_000);
    expect(scenario.synthetic).toBe(false);
    expect(scenario.traffic.expectedRateRps(0, Date.parse('2024-01-01T00:20:00Z'))).toBeCloseTo(100, 6);
    expect(scenario.traffic.expectedRateRps(0, Date.parse('2024-01-01T00:57:30Z'))).toBeCloseTo(600, 6);
    expect(scenario.strategySettings['keda-cron']).toMatchObject({ floors: [{ workload: 'web', desiredReplicas: 20 }] });
    expect(scenario.trafficNotes[0]).toMatch(/linear interpolation \+ poisson arrivals/);
  });

  it('a trace entry takes the layout hints, so a headerless tab file with two numeric columns needs no flag', async () => {
    // The surge trace rewritten (SYNTHETIC): tab-separated, no header, epoch seconds, a spare column before the count.
    const tsv = surgeTraceCsv().trim().split('\n').slice(1).map((line) => {
      const [time, requests] = line.split(',') as [string, string];
      return `${Date.parse(`${time.replace(' ', 'T')}Z`) / 1000}\t7\t${requests}`;
    }).join('\n');
    const hinted = VALID_SCENARIO.replace('trace: { path: surge.csv, scale: 1 }', 'trace: { path: surge.tsv, scale: 1, column: 3, delimiter: tab, timeFormat: epoch-s }');
    const folder = scenarioFolder({ 'scenario.yaml': hinted, 'surge.tsv': `${tsv}\n` });
    const scenario = await loadScenarioFile(join(folder, 'scenario.yaml'), { registry });
    expect(scenario.traffic.expectedRateRps(0, Date.parse('2024-01-01T00:57:30Z'))).toBeCloseTo(600, 6);
    const error = await loadError(hinted.replace(', column: 3', ''), { 'surge.tsv': `${tsv}\n` });
    expect(error.message).toMatch(/cannot use trace surge\.tsv: .*cannot tell which column holds the value: #2, #3/);
  });

  it('--seed replaces the file\'s seed', async () => {
    const folder = scenarioFolder({ 'scenario.yaml': VALID_SCENARIO });
    expect((await loadScenarioFile(join(folder, 'scenario.yaml'), { registry, seed: 99 })).seed).toBe(99);
  });
});

describe('bad scenarios are rejected with the file, line and field', () => {
  const cases: { name: string; text: string; field: string; line: string | undefined; message: RegExp }[] = [
    { name: 'a missing trace file', text: VALID_SCENARIO.replace('path: surge.csv', 'path: missing.csv'),
      field: 'traffic[0].trace.path', line: 'path: missing.csv', message: /cannot use trace missing\.csv.*no such file|ENOENT/ },
    { name: 'traffic for an unknown workload', text: VALID_SCENARIO.replace('  - workload: web\n    trace', '  - workload: wbe\n    trace'),
      field: 'traffic[0].workload', line: '- workload: wbe', message: /expected an online workload of the scenario \(web\), got "wbe"/ },
    { name: 'traffic for an offline workload', text: VALID_SCENARIO.replace('  - workload: web\n    trace', '  - workload: batch\n    trace'),
      field: 'traffic[0].workload', line: '- workload: batch', message: /expected an online workload/ },
    { name: 'negative node capacity', text: VALID_SCENARIO.replace('perNode: { cpu: "16"', 'perNode: { cpu: "-16"'),
      field: 'nodePools[0].perNode.cpu', line: 'perNode: { cpu: "-16"', message: /CPU quantity/ },
    { name: 'negative base nodes', text: VALID_SCENARIO.replace('baseNodes: 4', 'baseNodes: -4'),
      field: 'nodePools[0].baseNodes', line: 'baseNodes: -4', message: /≥ 0/ },
    { name: 'two pools with the same name (overlapping pools)', text: VALID_SCENARIO.replace('online:\n', '  - name: general\n    perNode: { cpu: "8", memory: 32Gi }\n    baseNodes: 1\nonline:\n'),
      field: 'nodePools[1].name', line: undefined, message: /unique node pool names/ },
    { name: 'settings for an unknown strategy', text: `${VALID_SCENARIO}  magic: {}\n`,
      field: 'strategies.magic', line: 'magic: {}', message: /expected a known strategy \(static-peak, hpa, keda-cron, oracle, chuanliu\), got "magic"/ },
    { name: 'a keda-cron floor for an unknown workload', text: VALID_SCENARIO.replace('{ workload: web, start', '{ workload: api, start'),
      field: 'strategies.keda-cron.floors[0].workload', line: '{ workload: api, start', message: /expected an online workload/ },
    { name: 'a bad strategy setting', text: `${VALID_SCENARIO}  hpa: { targetUtilization: 170 }\n`,
      field: 'strategies.hpa.targetUtilization', line: 'hpa: { targetUtilization: 170 }', message: /≤ 100/ },
    { name: 'a trace that does not cover the window', text: VALID_SCENARIO.replace('end: 2024-01-01T01:35:00Z', 'end: 2024-01-01T03:00:00Z'),
      field: 'traffic[0].trace.path', line: 'path: surge.csv', message: /expected a trace covering the scenario window/ },
    { name: 'no traffic at all', text: VALID_SCENARIO.replace('traffic:\n  - workload: web\n    trace: { path: surge.csv, scale: 1 }\n', 'traffic: []\n'),
      field: 'traffic', line: 'traffic: []', message: /at least 1 item/ },
    { name: 'an online workload without traffic', text: VALID_SCENARIO.replace('offline:\n', '  - name: api\n    ref: { namespace: test }\n    rpsPerReplica: 50\n    perReplica: { cpu: 500m, memory: 512Mi }\n    startup: { p50: 15s, p95: 30s }\n    maxReplicas: 10\noffline:\n'),
      field: 'traffic', line: '- workload: web', message: /expected a traffic entry for every online workload, "api" has none/ },
    { name: 'an end before the start', text: VALID_SCENARIO.replace('end: 2024-01-01T01:35:00Z', 'end: 2023-12-31T00:00:00Z'),
      field: 'end', line: 'end: 2023-12-31', message: /expected an end after the start/ },
    { name: 'both a trace and synthetic traffic', text: VALID_SCENARIO.replace('trace: { path: surge.csv, scale: 1 }', 'trace: { path: surge.csv }\n    synthetic: { baseline: { meanRps: 1, dailyAmplitude: 0, peakHour: 1, timeZone: UTC } }'),
      field: 'traffic[0]', line: '- workload: web', message: /exactly one of `trace` or `synthetic`/ },
    { name: 'a misspelt field', text: VALID_SCENARIO.replace('seed: 5', 'sede: 5'),
      field: 'sede', line: 'sede: 5', message: /"sede" is not a field/ },
  ];

  it.each(cases)('$name → $field', async ({ text, field, line, message }) => {
    const error = await loadError(text);
    expect(error.location.source).toMatch(/scenario\.yaml$/);
    expect(error.location.field).toBe(field);
    if (line !== undefined) expect(error.location.line).toBe(lineOf(text, line));
    expect(error.message).toMatch(message);
  });

  it.each<{ name: string; files: Record<string, string>; message: RegExp }>([
    { name: 'a missing config file', files: {}, message: /cannot read the config file|no such file/ },
    { name: 'a config file with an error of its own (its file and line kept in the message)', files: { 'cluster.yaml': 'nodePools: []\n' }, message: /cluster\.yaml, line 1, field nodePools: expected at least 1 item/ },
  ])('$name → config, at the scenario line that names it', async ({ files, message }) => {
    const inventory = VALID_SCENARIO.slice(VALID_SCENARIO.indexOf('nodePools:'), VALID_SCENARIO.indexOf('traffic:'));
    const text = VALID_SCENARIO.replace(inventory, 'config: cluster.yaml\n');
    const error = await loadError(text, files);
    expect(error.location).toMatchObject({ field: 'config', line: lineOf(text, 'config: cluster.yaml') });
    expect(error.location.source).toMatch(/scenario\.yaml$/);
    expect(error.message).toMatch(message);
  });

  it('a missing scenario file names the path', async () => {
    await expect(loadScenarioFile('/nonexistent/scenario.yaml', { registry })).rejects.toThrow(/\/nonexistent\/scenario\.yaml: cannot read the scenario file: no such file/);
  });

  it('reports every problem at once', async () => {
    const error = await loadError(VALID_SCENARIO.replace('path: surge.csv', 'path: missing.csv').replace('{ workload: web, start', '{ workload: api, start'));
    expect(error.details).toHaveLength(2);
  });
});
