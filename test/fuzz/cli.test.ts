/**
 * Fuzz: the CLI's flags and file arguments. Generated command lines for every command (valid and
 * bad flag values, unknown flags, missing values, stray arguments, missing/unreadable/mutated
 * files), run in-process through the same program and exit-code mapping as src/main.ts.
 *
 * Property: exit 0, or exit 2 with a message on stderr that names the flag or the file (no stack
 * trace, nothing on stdout, no file written); never another exit code — except that kube-api, given
 * valid input, is pointed at a port already taken and must fail there cleanly (exit 1,
 * EADDRINUSE), since a valid kube-api would otherwise serve until stopped.
 *
 * A few of the same cases run as real processes at the end, to check the exit codes a shell sees.
 * Seeded like the parser fuzz (CHUANLIU_FUZZ_SEED / CHUANLIU_FUZZ_RUNS).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { InputError } from '../../src/domain/errors.ts';
import { fuzzParameters, recordRun } from '../faults/helpers/seeds.ts';
import { mutatedCsv, mutatedYaml } from './helpers/mutations.ts';
import { locationProblems, newTally, type Tally } from './helpers/outcome.ts';
import { runCli, type CliOutcome } from './helpers/run-cli.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STACK_FRAME = /\n\s+at .+[(:]\d+/;

let folder: string;
let occupied: Server;
let occupiedPort: number;
let fileCounter = 0;
const tallies = new Map<string, Tally & { exit1: number }>();

/**
 * An invented 20-minute scenario (one online service, one batch job, a synthetic surge trace), so a
 * command line that happens to be valid simulates in well under a second.
 */
const TINY_SCENARIO = `name: fuzz-tiny
description: invented 20-minute scenario for the CLI fuzz (synthetic)
seed: 3
start: 2024-01-01T00:10:00Z
end: 2024-01-01T00:30:00Z
nodePools:
  - name: general
    perNode: { cpu: "16", memory: 64Gi }
    baseNodes: 2
online:
  - name: web
    ref: { namespace: test }
    rpsPerReplica: 50
    perReplica: { cpu: 500m, memory: 512Mi }
    startup: { p50: 15s, p95: 30s }
    minReplicas: 2
    maxReplicas: 40
offline:
  - name: batch
    ref: { kind: Job, namespace: test }
    maxReplicas: 8
    perReplica: { cpu: "2", memory: 2Gi }
traffic:
  - workload: web
    trace: { path: surge.csv }
`;

function surgeCsv(): string {
  const rows = ['timestamp,requests'];
  for (let minute = 0; minute < 40; minute += 1) {
    rows.push(`${new Date(Date.UTC(2024, 0, 1, 0, minute)).toISOString().slice(0, 19).replace('T', ' ')},${minute >= 15 && minute < 22 ? 30_000 : 6_000}`);
  }
  return `${rows.join('\n')}\n`;
}

const FAULTS = stringify({ rules: [{ name: 'slow', latencyMs: 5 }, { name: 'storm', match: { verbs: ['patch'] }, conflictRate: 0.5, maxFailures: 10 }] });

function write(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** A file argument: the valid file on a clean line, else one of the bad ones, or `text` written to a fresh file. */
function fileFrom(choice: { kind: string; text?: string }, valid: string, extension: string, clean = false): string {
  switch (clean ? 'valid' : choice.kind) {
    case 'valid': return valid;
    case 'missing': return join(folder, 'missing', `nothing.${extension}`);
    case 'folder': return folder;
    case 'empty': return write(`empty.${extension}`, '');
    default:
      fileCounter += 1;
      return write(`mutated-${fileCounter}.${extension}`, choice.text ?? '');
  }
}

const fileChoice = (mutations: fc.Arbitrary<{ text: string }>): fc.Arbitrary<{ kind: string; text?: string }> => fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom({ kind: 'missing' }, { kind: 'folder' }, { kind: 'empty' }) },
  { weight: 3, arbitrary: mutations.map(({ text }) => ({ kind: 'mutated', text })) },
);

/**
 * One flag's draw: a valid value (or the flag left out) and a bad value. A command line is either
 * clean (every flag valid: the success path gets exercised too) or fuzzed (each flag bad or not).
 */
interface FlagDraw {
  readonly name: string;
  readonly valid: string | null;
  readonly bad: string;
  readonly useBad: boolean;
}

const flag = (name: string, valid: readonly string[], bad: readonly string[]): fc.Arbitrary<FlagDraw> =>
  fc.record({ valid: fc.option(fc.constantFrom(...valid), { freq: 2 }), bad: fc.constantFrom(...bad), useBad: fc.boolean() }).map((draw) => ({ name, ...draw }));

function flagArgs(draw: FlagDraw, clean: boolean): string[] {
  if (!clean && draw.useBad) return [draw.name, draw.bad];
  return draw.valid === null ? [] : [draw.name, draw.valid];
}

const switchArgs = (on: boolean, name: string): string[] => (on ? [name] : []);

/** Stray arguments: none on a clean line. */
const junkArgs = fc.constantFrom<string[]>([], ['--nope'], ['extra'], ['-z'], ['--output'], ['--', '--seed'], ['--seed=1', '--seed', '2'], ['\u202e', '🚀']);
const cleanLine = fc.nat({ max: 2 }).map((draw) => draw === 0);

function tallyOf(name: string): Tally & { exit1: number } {
  const tally = tallies.get(name) ?? { ...newTally(), exit1: 0 };
  tallies.set(name, tally);
  return tally;
}

/** Throws (failing the property) unless the outcome is a success or a clean refusal. */
function judge(args: readonly string[], outcome: CliOutcome, tally: Tally & { exit1: number }, options: { allowAddressInUse?: boolean; mustNotExist?: readonly string[] } = {}): void {
  tally.inputs += 1;
  const where = `chuanliu ${args.map((arg) => JSON.stringify(arg)).join(' ')}\nexit ${outcome.exitCode}\nstderr: ${outcome.stderr.slice(0, 2000)}`;
  if (outcome.exitedDirectly !== undefined) throw new Error(`called process.exit(${outcome.exitedDirectly}) instead of returning its exit code\n${where}`);
  if (outcome.exitCode === 0) {
    tally.accepted += 1;
    return;
  }
  if (STACK_FRAME.test(outcome.stderr)) throw new Error(`stack trace on stderr\n${where}`);
  if (outcome.exitCode === 1 && options.allowAddressInUse === true && /EADDRINUSE/.test(outcome.stderr)) {
    tally.exit1 += 1;
    return;
  }
  if (outcome.exitCode !== 2) throw new Error(`exit ${outcome.exitCode} for bad input (expected 2)\n${where}`);
  if (outcome.stderr.trim() === '') throw new Error(`exit 2 without a message\n${where}`);
  if (outcome.stdout !== '') throw new Error(`exit 2 but something on stdout: ${outcome.stdout.slice(0, 200)}\n${where}`);
  if (outcome.error instanceof InputError) {
    const problems = locationProblems(outcome.error, { requireLineOrField: false });
    if (problems.length > 0) throw new Error(`${problems.join(', ')}\n${where}`);
  }
  for (const path of options.mustNotExist ?? []) {
    if (existsSync(path)) throw new Error(`exit 2 but ${path} was written\n${where}`);
  }
  tally.refused += 1;
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'chuanliu-cli-fuzz-'));
  mkdirSync(join(folder, 'reports'));
  write('surge.csv', surgeCsv());
  write('tiny.yaml', TINY_SCENARIO);
  occupied = createServer();
  await new Promise<void>((resolve) => occupied.listen(0, '127.0.0.1', () => resolve()));
  occupiedPort = (occupied.address() as { port: number }).port;
});

afterAll(async () => {
  await new Promise((resolve) => occupied.close(resolve));
  rmSync(folder, { recursive: true, force: true });
  for (const [name, tally] of tallies) {
    recordRun(`fuzz: cli ${name}`, tally);
    process.stderr.write(`fuzz cli ${name}: ${tally.inputs} command lines, ${tally.accepted} exit 0, ${tally.refused} exit 2${tally.exit1 > 0 ? `, ${tally.exit1} valid kube-api refused by the taken port (exit 1)` : ''}\n`);
  }
});

describe('fuzz: CLI flags and file arguments', () => {
  it('chuanliu trace inspect', async () => {
    const tally = tallyOf('trace inspect');
    const validTrace = (): string => write('trace.csv', readFileSync(join(root, 'sim/traces/nab-nyc-taxi/nyc_taxi.csv'), 'utf8').split('\n').slice(0, 200).join('\n'));
    const trace = validTrace();
    const lines = fc.tuple(
      cleanLine,
      fileChoice(mutatedCsv(readFileSync(trace, 'utf8'))),
      fc.tuple(
        flag('--bucket', ['30m', '1h', '2h'], ['5m', '0s', '-5m', 'abc', '1e3', '', '30ms', '999999999999h', 'NaN']),
        flag('--tz', ['UTC', 'America/New_York', 'Asia/Shanghai'], ['Mars/Olympus', '', '+08:00', 'utc+8']),
        flag('--value-column', ['value', '2'], ['timestamp', 'nope', '', '0', '3']),
        flag('--time-column', ['timestamp', '1'], ['value', '2', 'nope', '', '0']),
        flag('--delimiter', [',', 'comma'], [';', 'tab', '|', '']),
        flag('--time-format', ['iso'], ['epoch-s', 'epoch-ms', 'unix', '']),
        flag('--duplicates', ['error', 'sum', 'keep-last'], ['SUM', '', 'drop']),
        flag('-o', ['table', 'json'], ['yaml', '', 'JSON']),
      ),
      fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
      junkArgs,
    );
    await fc.assert(fc.asyncProperty(lines, async ([clean, file, flags, [outages, rates, values], junk]) => {
      const args = [
        'trace', 'inspect', fileFrom(file, trace, 'csv', clean), ...flags.flatMap((draw) => flagArgs(draw, clean)),
        ...switchArgs(outages, '--no-detect-outages'), ...switchArgs(rates, '--rates'), ...switchArgs(values, '--values'), ...(clean ? [] : junk),
      ];
      judge(args, await runCli(args), tally);
    }), fuzzParameters(200));
  });

  it('chuanliu simulate', async () => {
    const tally = tallyOf('simulate');
    const scenario = join(folder, 'tiny.yaml');
    const lines = fc.tuple(
      cleanLine,
      fileChoice(mutatedYaml(TINY_SCENARIO)),
      // Always given: the default list includes the chuanliu strategy, whose cost is not the point here.
      flag('--strategies', ['hpa', 'static-peak,oracle', 'keda-cron'], ['hpa,hpa', 'magic', '', ',', ' , ', 'HPA', 'oracle,🚀']),
      flag('--seed', ['1', '-7', '42'], ['abc', '1.5', '99999999999999999999', '', '0x10']),
      fc.record({ valid: fc.constantFrom('none', 'ok'), bad: fc.constantFrom('no-folder', 'folder'), useBad: fc.boolean() }),
      flag('-o', ['table', 'json'], ['yaml', '']),
      fc.boolean(),
      junkArgs,
    );
    await fc.assert(fc.asyncProperty(lines, async ([clean, file, strategies, seed, reportDraw, output, omitScenario, junk]) => {
      fileCounter += 1;
      const report = !clean && reportDraw.useBad ? reportDraw.bad : reportDraw.valid;
      const reportPath = report === 'ok' ? join(folder, 'reports', `r${fileCounter}.html`) : report === 'no-folder' ? join(folder, 'absent', 'r.html') : folder;
      const args = [
        'simulate', ...(omitScenario && !clean ? [] : ['--scenario', fileFrom(file, scenario, 'yaml', clean)]),
        '--strategies', !clean && strategies.useBad ? strategies.bad : strategies.valid ?? 'hpa', ...flagArgs(seed, clean),
        ...(report === 'none' ? [] : ['--report', reportPath]), ...flagArgs(output, clean), ...(clean ? [] : junk),
      ];
      judge(args, await runCli(args), tally, { mustNotExist: report === 'ok' ? [reportPath] : [] });
    }), fuzzParameters(80));
  }, 120_000);

  it('chuanliu kube-api (valid input meets a taken port)', async () => {
    const tally = tallyOf('kube-api');
    const scenario = join(folder, 'tiny.yaml');
    const configText = readFileSync(join(root, 'sim/config.double11.yaml'), 'utf8');
    const config = write('config.yaml', configText);
    const objects = write('objects.yaml', stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'default' }, data: { a: '1' } }));
    const faults = write('faults.yaml', FAULTS);
    const lines = fc.tuple(
      cleanLine,
      fc.tuple(
        fc.option(fileChoice(mutatedYaml(TINY_SCENARIO)), { freq: 2 }),
        fc.option(fileChoice(mutatedYaml(configText)), { freq: 2 }),
        fc.option(fileChoice(mutatedYaml(readFileSync(objects, 'utf8'))), { freq: 3 }),
        fc.option(fileChoice(mutatedYaml(FAULTS)), { freq: 2 }),
      ),
      fc.tuple(
        flag('--speed', ['1', '10'], ['0', '-1', '1001', 'abc', '']),
        flag('--pod-startup', ['0s', '5s'], ['-1s', 'abc', '', '1e9h']),
        flag('--seed', ['1', '-3'], ['x', '1.5']),
      ),
      fc.record({ engine: flag('--engine', ['emulation', 'simulation'], ['SIMULATION', '']), port: flag('--port', ['taken'], ['70000', 'abc', '-1', '']) }),
      junkArgs,
    );
    await fc.assert(fc.asyncProperty(lines, async ([clean, [scenarioFile, configFile, objectsFile, faultsFile], flags, { engine, port }, junk]) => {
      fileCounter += 1;
      const kubeconfig = join(folder, `kubeconfig-${fileCounter}`);
      const requestLog = join(folder, `requests-${fileCounter}.jsonl`);
      const portArgs = flagArgs({ ...port, valid: 'taken' }, clean).map((value) => (value === 'taken' ? String(occupiedPort) : value));
      // --engine simulation needs a scenario: a clean line gives it one.
      const withScenario = scenarioFile ?? (clean && flagArgs(engine, clean).includes('simulation') ? { kind: 'valid' } : null);
      const args = [
        'kube-api',
        ...(withScenario === null ? [] : ['--scenario', fileFrom(withScenario, scenario, 'yaml', clean)]),
        ...(configFile === null ? [] : ['--config', fileFrom(configFile, config, 'yaml', clean)]),
        ...(objectsFile === null ? [] : ['--objects', fileFrom(objectsFile, objects, 'yaml', clean)]),
        ...(faultsFile === null ? [] : ['--faults', fileFrom(faultsFile, faults, 'yaml', clean)]),
        ...flags.flatMap((draw) => flagArgs(draw, clean)), ...flagArgs(engine, clean), ...portArgs,
        '--kubeconfig', kubeconfig, '--request-log', requestLog, ...(clean ? [] : junk),
      ];
      const outcome = await runCli(args);
      if (outcome.exitCode === 0) throw new Error(`kube-api returned while its port was taken: ${args.join(' ')}`);
      judge(args, outcome, tally, { allowAddressInUse: true, mustNotExist: [kubeconfig, requestLog] });
    }), fuzzParameters(120));
  }, 120_000);
});

function chuanliu(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: root, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

describe('the same refusals as a shell sees them (real processes)', () => {
  it('exit 2, a located message, no stack trace, nothing on stdout', async () => {
    const cases = [
      { args: ['simulate', '--scenario', write('alias.yaml', 'name: x\nstart: *never\n')], message: /alias\.yaml, line 2: expected valid YAML: Unresolved alias/ },
      { args: ['simulate', '--scenario', write('year.yaml', TINY_SCENARIO.replace('end: 2024-01-01T00:30:00Z', 'end: 9024-01-01T00:30:00Z'))], message: /year\.yaml, line 5, field end: expected at most 2,000,000 ticks/ },
      { args: ['kube-api', '--config', write('bad-config.yaml', 'online: 5\n')], message: /bad-config\.yaml, line 1/ },
      { args: ['kube-api', '--objects', write('bad-objects.yaml', 'apiVersion: v1\nkind: *x\n')], message: /bad-objects\.yaml, line 1: invalid YAML: Unresolved alias/ },
      { args: ['trace', 'inspect', write('bad.csv', 'timestamp,value\n2014-07-01 00:00:00,abc\n')], message: /bad\.csv, line 2/ },
      { args: ['trace', 'inspect', join(folder, 'surge.csv'), '--bucket', '-5m'], message: /--bucket/ },
      { args: ['simulate', '--scenario', join(folder, 'tiny.yaml'), '--nope'], message: /unknown option '--nope'/ },
      { args: ['kube-api', '--port', '70000'], message: /--port: "70000" is not a port/ },
    ];
    const results = await Promise.all(cases.map(({ args }) => chuanliu(args)));
    results.forEach((result, index) => {
      const { args, message } = cases[index] as (typeof cases)[number];
      const context = `chuanliu ${args.join(' ')}\n${result.stderr}`;
      expect(result.code, context).toBe(2);
      expect(result.stderr, context).toMatch(message);
      expect(result.stderr, context).not.toMatch(STACK_FRAME);
      expect(result.stdout, context).toBe('');
    });
    recordRun('fuzz: cli real processes', { inputs: cases.length, refused: results.filter((result) => result.code === 2).length });
  }, 60_000);

  // Regression: the simulation bridge started before the port was bound kept the failed process
  // alive forever (the emulation's pod timers for as long as the slowest startup).
  it('kube-api on a port already taken exits 1 at once, whatever the engine, and writes no kubeconfig', async () => {
    const kubeconfig = join(folder, 'never-written.kubeconfig');
    const results = await Promise.all(['emulation', 'simulation'].map((engine) =>
      chuanliu(['kube-api', '--scenario', join(folder, 'tiny.yaml'), '--engine', engine, '--port', String(occupiedPort), '--kubeconfig', kubeconfig])));
    for (const result of results) {
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toMatch(/chuanliu failed: listen EADDRINUSE/);
      expect(result.stderr).not.toMatch(STACK_FRAME);
    }
    expect(existsSync(kubeconfig)).toBe(false);
  }, 60_000);
});
