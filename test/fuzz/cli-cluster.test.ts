/**
 * Fuzz: the cluster commands against kube-api over HTTP — `chuanliu apply` (mutated plan files,
 * dry-run or not, bad flags) and `chuanliu status` (read-only). Property: exit 0, exit 2 with a
 * clear message, or (apply only) exit 1 for a plan the safety checks refuse; and whenever the exit
 * is not 0 — and on every dry-run — kube-api's request log shows no write at all.
 *
 * Then the same as a shell sees it: a real `chuanliu apply` process with a broken plan exits 2 and
 * writes nothing. Seeded like the other fuzz suites (CHUANLIU_FUZZ_SEED / CHUANLIU_FUZZ_RUNS).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { InputError } from '../../src/domain/errors.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi, type RunningKubeApi } from '../../src/kube-api/kube-api.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { grandShift, shiftConfigYaml, type GrandShift } from '../faults/helpers/grand-shift.ts';
import { fuzzParameters, recordRun } from '../faults/helpers/seeds.ts';
import { mutatedYaml } from './helpers/mutations.ts';
import { locationProblems } from './helpers/outcome.ts';
import { runCli } from './helpers/run-cli.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STACK_FRAME = /\n\s+at .+[(:]\d+/;

let kube: RunningKubeApi;
let shift: GrandShift;
let folder: string;
let configPath: string;
let kubeconfigPath: string;
let planPath: string;
let planText: string;
let fileCounter = 0;
const tallies: Record<string, { inputs: number; exit0: number; exit2: number; refusedPlans: number; writesOnExit0: number }> = {};

function write(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

function writesSince(seq: number): string[] {
  return kube.requestLog.list({ sinceSeq: seq }).filter((entry) => entry.method !== 'GET').map((entry) => `${entry.method} ${entry.path}`);
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'chuanliu-cli-cluster-fuzz-'));
  // A short plan (about 40 slots, so its file stays small); past its end it holds its last levels.
  shift = grandShift({ workloads: 10, nowMs: systemClock.nowMs(), peakSlots: 20 });
  kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
  await kube.bridge.idle();
  kubeconfigPath = join(folder, 'kubeconfig');
  await kube.writeKubeconfig(kubeconfigPath);
  configPath = write('config.yaml', shiftConfigYaml(shift));
  planText = encodePlan(shift.plan, 2);
  planPath = write('plan.json', planText);
});

afterAll(async () => {
  await kube?.close();
  if (folder) rmSync(folder, { recursive: true, force: true });
  for (const [name, tally] of Object.entries(tallies)) {
    recordRun(`fuzz: cli ${name}`, tally);
    process.stderr.write(`fuzz cli ${name}: ${tally.inputs} command lines, ${tally.exit0} exit 0 (${tally.writesOnExit0} of them wrote), ${tally.exit2} exit 2, ${tally.refusedPlans} plans refused by the safety checks (exit 1)\n`);
  }
});

/**
 * A plan still valid as a file but with one workload's levels moved (to 0, above its maximum,
 * beyond the cluster, a huge jump): what the controller's safety checks must refuse.
 */
const retargeted = fc.record({ workload: fc.nat(), replicas: fc.constantFrom(0, 2, 6, 40, 1_000, 100_000) }).map(({ workload, replicas }) => {
  const document = JSON.parse(planText) as { replicas: Record<string, number[]> };
  const names = Object.keys(document.replicas);
  const name = names[workload % names.length] as string;
  document.replicas[name] = (document.replicas[name] as number[]).map(() => replicas);
  return { kind: 'mutated', text: JSON.stringify(document, null, 2) };
});

const planChoice = fc.oneof(
  { weight: 2, arbitrary: fc.constant<{ kind: string; text?: string }>({ kind: 'valid' }) },
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'missing' }, { kind: 'empty' }) },
  { weight: 3, arbitrary: retargeted },
  { weight: 5, arbitrary: fc.constant(0).chain(() => mutatedYaml(planText, { format: 'json' })).map(({ text }) => ({ kind: 'mutated', text })) },
);

function planFile(choice: { kind: string; text?: string }): string {
  if (choice.kind === 'valid') return planPath;
  if (choice.kind === 'missing') return join(folder, 'absent', 'plan.json');
  fileCounter += 1;
  return write(`plan-${fileCounter}.json`, choice.kind === 'empty' ? '' : choice.text ?? '');
}

const clusterFlags = fc.constantFrom<string[][]>(
  [], [], [], [],
  ['--context', 'nope'],
  ['--in-cluster'],
  ['--kubeconfig', '/nonexistent/kubeconfig'],
);

function judgeClusterCommand(name: string, args: readonly string[], outcome: Awaited<ReturnType<typeof runCli>>, writes: readonly string[], options: { dryRun: boolean; mayWrite: boolean }): void {
  const tally = (tallies[name] ??= { inputs: 0, exit0: 0, exit2: 0, refusedPlans: 0, writesOnExit0: 0 });
  tally.inputs += 1;
  const where = `chuanliu ${args.join(' ')}\nexit ${outcome.exitCode}\nstderr: ${outcome.stderr.slice(0, 1500)}\nwrites: ${writes.slice(0, 5).join('; ')}`;
  if (outcome.exitedDirectly !== undefined) throw new Error(`called process.exit(${outcome.exitedDirectly})\n${where}`);
  if (STACK_FRAME.test(outcome.stderr)) throw new Error(`stack trace on stderr\n${where}`);
  if (outcome.exitCode === 0) {
    tally.exit0 += 1;
    if (writes.length > 0) {
      if (options.dryRun || !options.mayWrite) throw new Error(`${options.dryRun ? 'dry-run' : name} wrote to the cluster\n${where}`);
      tally.writesOnExit0 += 1;
    }
    return;
  }
  if (writes.length > 0) throw new Error(`exit ${outcome.exitCode} but the cluster was written\n${where}`);
  if (outcome.exitCode === 1 && name === 'apply' && /reconcile refused: refused, nothing written: /.test(outcome.stderr)) {
    tally.refusedPlans += 1;
    return;
  }
  if (outcome.exitCode !== 2) throw new Error(`exit ${outcome.exitCode} for bad input (expected 2)\n${where}`);
  if (outcome.stdout !== '') throw new Error(`exit 2 but something on stdout\n${where}`);
  if (outcome.error instanceof InputError) {
    const problems = locationProblems(outcome.error, { requireLineOrField: false });
    if (problems.length > 0) throw new Error(`${problems.join(', ')}\n${where}`);
  }
  tally.exit2 += 1;
}

describe('fuzz: cluster commands against kube-api', () => {
  it('chuanliu apply: a plan that is refused, bad or dry-run writes nothing', async () => {
    const lines = fc.tuple(planChoice, fc.boolean(), clusterFlags, fc.constantFrom<string[]>([], ['-o', 'json'], ['-o', 'yaml'], ['--redis-prefix', '']), fc.constantFrom<string[]>([], [], ['--nope'], ['stray']));
    await fc.assert(fc.asyncProperty(lines, async ([plan, dryRun, cluster, output, junk]) => {
      const args = [
        'apply', '--config', configPath, ...(cluster.includes('--kubeconfig') ? [] : ['--kubeconfig', kubeconfigPath]), ...cluster,
        '--plan', planFile(plan), ...(dryRun ? ['--dry-run'] : []), ...output, ...junk,
      ];
      const since = kube.requestLog.lastSeq;
      const outcome = await runCli(args);
      judgeClusterCommand('apply', args, outcome, writesSince(since), { dryRun, mayWrite: true });
    }), fuzzParameters(120));
  }, 120_000);

  it('chuanliu status: read-only whatever it is given', async () => {
    const lines = fc.tuple(planChoice, clusterFlags, fc.constantFrom<string[]>([], ['--steps', '3'], ['--steps', '0'], ['--steps', 'x'], ['-o', 'json'], ['-o', 'xml']), fc.constantFrom<string[]>([], ['--nope']));
    await fc.assert(fc.asyncProperty(lines, async ([plan, cluster, extra, junk]) => {
      const args = ['status', '--config', configPath, ...(cluster.includes('--kubeconfig') ? [] : ['--kubeconfig', kubeconfigPath]), ...cluster, '--plan', planFile(plan), ...extra, ...junk];
      const since = kube.requestLog.lastSeq;
      const outcome = await runCli(args);
      judgeClusterCommand('status', args, outcome, writesSince(since), { dryRun: false, mayWrite: false });
    }), fuzzParameters(80));
  }, 120_000);
});

describe('chuanliu apply as a shell sees it (real process)', () => {
  it('a broken plan file: exit 2 naming the file and line, nothing written to the cluster', async () => {
    const broken = write('broken-plan.json', planText.replace('"slotMs": 500', '"slotMs": "half a second"'));
    const since = kube.requestLog.lastSeq;
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', 'src/main.ts', 'apply', '--config', configPath, '--kubeconfig', kubeconfigPath, '--plan', broken], { cwd: root }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toMatch(/broken-plan\.json, line \d+, field slotMs: expected a number, got "half a second"/);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stdout).toBe('');
    expect(writesSince(since)).toEqual([]);
  }, 60_000);
});
