/**
 * `chuanliu demo` run as a real process: the embedded default end to end (SYNTHETIC Double-11 on
 * the simulated cluster, five strategies), JSON on a small scenario, and bad input → exit 2 with a
 * message naming the flag or file, before any simulation runs.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scenarioFolder, VALID_SCENARIO } from '../unit/simulator/scenario-fixtures.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

function chuanliu(args: string[], cwd = root): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', join(root, 'src/main.ts'), ...args], { cwd, maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('chuanliu demo', () => {
  it('runs the SYNTHETIC Double-11 evening: table, headline, plan steps, guard, two HTML reports, progress on stderr', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'chuanliu-demo-'));
    const report = join(folder, 'demo.html');
    const { code, stdout, stderr } = await chuanliu(['demo', '--report', report]);
    expect(stderr).not.toMatch(/chuanliu failed/);
    expect(code).toBe(0);
    expect(stdout).toContain('double11 [SYNTHETIC traffic]');
    for (const strategy of ['static-peak', 'hpa', 'keda-cron', 'chuanliu', 'oracle']) expect(stdout).toMatch(new RegExp(`^${strategy} `, 'm'));
    expect(stdout).toMatch(/chuanliu on double11 \[SYNTHETIC\]: .* fewer than the HPA/);
    expect(stdout).toMatch(/× the oracle's/);
    expect(stdout).toMatch(/Plan made at 11-11 17:00 from the history before the run/);
    expect(stdout).toMatch(/lead \d+m(\d+s)? = startup p95/);
    expect(stdout).toMatch(/Reactive guard: /);
    // The short-notice livestream: created 18:40 for 19:05, taken in by a re-plan, the capacity Ready by its start.
    expect(stdout).toMatch(/Short-notice event \[SYNTHETIC\]: PeakEvent livestream "flash-1905" created 11-11 18:40:00 for 11-11 19:05:00/);
    expect(stdout).toMatch(/chuanliu took it in at 11-11 18:40:\d\d/);
    expect(stdout).toMatch(/payment \d+ → \d+ replicas, first write 11-11 18:\d\d:\d\d, Ready by 11-11 19:0\d:\d\d/);
    // The controller's Kubernetes Events, de-duplicated, as kubectl get events would list them.
    expect(stdout).toMatch(/Kubernetes Events the controller recorded \(\d+ Events after de-duplication; .*ScaledForPeak \d+.*\)/);
    expect(stdout).toMatch(/^ {2}\d{2}-\d{2} \d{2}:\d{2}:\d{2} {2}(Normal |Warning) \w+ +deployment\//m);
    expect(stderr).toMatch(/chuanliu +done in \d+\.\d s/);
    expect(stderr).toContain(`reports: ${report}`);
    expect(readFileSync(report, 'utf8')).toMatch(/<html/i);
    expect(readFileSync(join(folder, 'demo-plan.html'), 'utf8')).toMatch(/<html/i);
  }, 300_000);

  it('prints pure JSON with -o json: the summary and the full result', async () => {
    const scenario = join(scenarioFolder({ 'scenario.yaml': VALID_SCENARIO }), 'scenario.yaml');
    const folder = mkdtempSync(join(tmpdir(), 'chuanliu-demo-'));
    const { code, stdout } = await chuanliu(['demo', '--scenario', scenario, '--report', join(folder, 'r.html'), '--seed', '9', '-o', 'json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(stdout) as {
      summary: { scenario: string; strategies: string[]; comparison: { coreHoursVsOracle: number } | null; plan: { steps: number } | null };
      result: { scenario: { seed: number }; scores: { strategy: string }[] };
    };
    expect(parsed.summary.scenario).toBe('tiny');
    expect(parsed.result.scenario.seed).toBe(9);
    expect(parsed.result.scores.map((score) => score.strategy)).toEqual(['static-peak', 'hpa', 'keda-cron', 'chuanliu', 'oracle']);
    expect(parsed.summary.comparison?.coreHoursVsOracle).toBeGreaterThan(0);
    expect(parsed.summary.plan?.steps).toBeGreaterThanOrEqual(0);
    expect(existsSync(join(folder, 'r-plan.html'))).toBe(true);
  }, 120_000);

  it.each([
    { name: 'an unknown output format', args: ['-o', 'yaml'], message: /--output: "yaml" is not one of table, json/ },
    { name: 'a non-integer seed', args: ['--seed', '1.5'], message: /--seed: "1\.5" is not an integer seed/ },
    { name: 'a report that is not .html', args: ['--report', 'out.txt'], message: /--report: expected a path ending in \.html, got "out\.txt"/ },
    { name: 'a report in a missing folder', args: ['--report', '/nonexistent/folder/r.html'], message: /--report, field \/nonexistent\/folder\/r\.html: the folder \/nonexistent\/folder does not exist/ },
    { name: 'a missing scenario file', args: ['--scenario', '/nonexistent/x.yaml'], message: /\/nonexistent\/x\.yaml: cannot read the scenario file/ },
    { name: 'an unknown flag', args: ['--tick', '5s'], message: /unknown option '--tick'/ },
  ])('exits 2 with a clear message for $name, before simulating', async ({ args, message }) => {
    const { code, stdout, stderr } = await chuanliu(['demo', ...args]);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/done in/);
    expect(stdout).toBe('');
  }, 60_000);
});
