/** `chuanliu simulate` run as a real process: exit codes, stdout and stderr as a user sees them. */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scenarioFolder, VALID_SCENARIO } from './scenario-fixtures.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function chuanliu(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

function scenarioFile(text = VALID_SCENARIO): string {
  return join(scenarioFolder({ 'scenario.yaml': text }), 'scenario.yaml');
}

describe('chuanliu simulate', () => {
  it('prints pure JSON with -o json: every strategy scored, timelines as arrays', async () => {
    const { code, stdout } = await chuanliu(['simulate', '--scenario', scenarioFile(), '--strategies', 'hpa,oracle', '-o', 'json']);
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { scenario: { name: string; seed: number }; scores: { strategy: string; unservedRequests: number }[]; timelines: { online: { web: { demandRps: number[] } } }[] };
    expect(result.scenario).toMatchObject({ name: 'tiny', seed: 5 });
    expect(result.scores.map((score) => score.strategy)).toEqual(['hpa', 'oracle']);
    expect(result.scores[1]!.unservedRequests).toBe(0);
    expect(Array.isArray(result.timelines[0]!.online.web.demandRps)).toBe(true);
  });

  it('prints the summary table with the best value per column marked, and writes the HTML report', async () => {
    const folder = scenarioFolder({ 'scenario.yaml': VALID_SCENARIO });
    const report = join(folder, 'report.html');
    const { code, stdout, stderr } = await chuanliu(['simulate', '--scenario', join(folder, 'scenario.yaml'), '--report', report, '--seed', '9']);
    expect(code).toBe(0);
    for (const strategy of ['static-peak', 'hpa', 'keda-cron', 'oracle']) expect(stdout).toContain(strategy);
    expect(stdout).toContain('★');
    expect(stderr).toContain(`report written to ${report}`);
    expect(existsSync(report)).toBe(true);
    expect(readFileSync(report, 'utf8')).toMatch(/<html/i);
  });

  it.each([
    { name: 'a missing trace file', args: () => ['--scenario', scenarioFile(VALID_SCENARIO.replace('path: surge.csv', 'path: gone.csv'))], message: /scenario\.yaml, line \d+, field traffic\[0\]\.trace\.path: cannot use trace gone\.csv/ },
    { name: 'an unknown workload in traffic', args: () => ['--scenario', scenarioFile(VALID_SCENARIO.replace('  - workload: web\n    trace', '  - workload: nope\n    trace'))], message: /field traffic\[0\]\.workload: expected an online workload/ },
    { name: 'negative capacity', args: () => ['--scenario', scenarioFile(VALID_SCENARIO.replace('cpu: "16"', 'cpu: "-16"'))], message: /field nodePools\[0\]\.perNode\.cpu/ },
    { name: 'overlapping (duplicate) pools', args: () => ['--scenario', scenarioFile(VALID_SCENARIO.replace('online:\n', '  - name: general\n    perNode: { cpu: "8", memory: 32Gi }\n    baseNodes: 1\nonline:\n'))], message: /field nodePools\[1\]\.name: expected unique node pool names/ },
    { name: 'an unknown strategy', args: () => ['--scenario', scenarioFile(), '--strategies', 'hpa,magic'], message: /--strategies: unknown strategy "magic"; known: static-peak, hpa, keda-cron, oracle, chuanliu/ },
    { name: 'a non-integer seed', args: () => ['--scenario', scenarioFile(), '--seed', 'abc'], message: /--seed: "abc" is not an integer seed/ },
    { name: 'an unknown output format', args: () => ['--scenario', scenarioFile(), '-o', 'yaml'], message: /--output: "yaml" is not one of table, json/ },
    { name: 'a missing scenario file', args: () => ['--scenario', '/nonexistent/x.yaml'], message: /\/nonexistent\/x\.yaml: cannot read the scenario file/ },
  ])('exits 2 with a located message for $name', async ({ args, message }) => {
    const { code, stdout, stderr } = await chuanliu(['simulate', ...args()]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).toBe('');
  });
});

describe('chuanliu simulate --sweep', () => {
  it('prints every frontier point and the verdict as JSON, the same with one or two worker processes, and writes the chart', async () => {
    const folder = scenarioFolder({ 'scenario.yaml': VALID_SCENARIO });
    const report = join(folder, 'frontier.html');
    const [two, one] = await Promise.all([
      chuanliu(['simulate', '--sweep', '--scenario', join(folder, 'scenario.yaml'), '-o', 'json', '--workers', '2', '--report', report]),
      chuanliu(['simulate', '--sweep', '--scenario', join(folder, 'scenario.yaml'), '-o', 'json', '--workers', '1']),
    ]);
    expect(two.code).toBe(0);
    expect(one.code).toBe(0);
    const frontiers = JSON.parse(two.stdout) as { scenario: { name: string }; points: { strategy: string; label: string; isDefault: boolean }[]; verdict: { chuanliu: { label: string } } }[];
    expect(frontiers).toHaveLength(1);
    const labels = frontiers[0]!.points.map((point) => point.label);
    expect(labels).toEqual(expect.arrayContaining(['hpa 20%', 'hpa 80%', 'static-peak', 'keda-cron', 'oracle', 'chuanliu (defaults)', 'chuanliu q=0.9']));
    expect(frontiers[0]!.verdict.chuanliu.label).toBe('chuanliu (defaults)');
    // Each run is independent and seeded: where it ran does not change its result.
    expect(two.stdout).toBe(one.stdout);
    expect(two.stderr).toMatch(/\[17\/17\] /);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('"xyCharts"');
    expect(html).toContain('chuanliu at its defaults');
  }, 120_000);

  it.each([
    { name: '--strategies with --sweep', args: ['--strategies', 'hpa'], message: /--strategies: --sweep runs its own set of strategies/ },
    { name: 'zero workers', args: ['--workers', '0'], message: /--workers: "0" is not a number of worker processes/ },
  ])('exits 2 for $name', async ({ args, message }) => {
    const { code, stderr } = await chuanliu(['simulate', '--sweep', '--scenario', scenarioFile(), ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
  });
});
