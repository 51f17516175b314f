/**
 * Fuzz: the forecasting and planning commands (forecast, backtest, plan, explain) and the flags of
 * the long-running ones (controller, reconcile) that fail before connecting anywhere. Generated
 * command lines mix valid and bad flag values, unknown flags, stray arguments and bad files.
 *
 * Property: exit 0, or exit 2 with a message on stderr (no stack trace, nothing on stdout, no
 * report written) — never another exit, except a runtime failure the command is documented to
 * have (Prometheus unreachable: the plan path makes no plan; exit 1 with the URL).
 *
 * Valid lines use small inputs (the first 1,500 rows of the NAB NYC-taxi trace, real data; the
 * synthetic fault-suite config without demand sources) so they finish quickly.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { encodePlan } from '../../src/adapters/plan-file.ts';
import { InputError } from '../../src/domain/errors.ts';
import { freePort } from '../integration/helpers/free-port.ts';
import { grandShift, shiftConfigYaml } from '../faults/helpers/grand-shift.ts';
import { fuzzParameters, recordRun } from '../faults/helpers/seeds.ts';
import { mutatedCsv, mutatedYaml } from './helpers/mutations.ts';
import { locationProblems } from './helpers/outcome.ts';
import { runCli, type CliOutcome } from './helpers/run-cli.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const STACK_FRAME = /\n\s+at .+[(:]\d+/;

let folder: string;
let counter = 0;
type FileKind = 'trace' | 'calendar' | 'config' | 'plan';
let files: Record<FileKind, string>;
let texts: Record<FileKind, string>;
let closedPort: number;
const tallies: Record<string, { inputs: number; exit0: number; exit2: number; exit1: number }> = {};

function write(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'chuanliu-cli-planning-fuzz-'));
  mkdirSync(join(folder, 'reports'));
  const shift = grandShift({ workloads: 6, nowMs: Date.UTC(2025, 10, 11, 12), peakSlots: 20 });
  texts = {
    trace: readFileSync(join(root, 'sim/traces/nab-nyc-taxi/nyc_taxi.csv'), 'utf8').split('\n').slice(0, 1501).join('\n'),
    calendar: readFileSync(join(root, 'forecasts/double11.yaml'), 'utf8'),
    config: shiftConfigYaml(shift),
    plan: encodePlan(shift.plan, 2),
  };
  files = { trace: write('taxi.csv', texts.trace), calendar: write('calendar.yaml', texts.calendar), config: write('config.yaml', texts.config), plan: write('plan.json', texts.plan) };
  closedPort = await freePort();
});

afterAll(() => {
  if (folder) rmSync(folder, { recursive: true, force: true });
  for (const [name, tally] of Object.entries(tallies)) {
    recordRun(`fuzz: cli ${name}`, tally);
    process.stderr.write(`fuzz cli ${name}: ${tally.inputs} command lines, ${tally.exit0} exit 0, ${tally.exit2} exit 2, ${tally.exit1} documented runtime failures (exit 1)\n`);
  }
});

/** One flag: valid value or left out on a clean line; a bad value (or the valid one) otherwise. */
interface FlagSpec {
  readonly name: string;
  readonly valid: readonly string[];
  readonly bad: readonly string[];
  /** Always given (a required option); left out only on a fuzzed line that draws it so. */
  readonly required?: boolean;
}

/** A file argument: `valid` on a clean line, else missing, a folder, empty, or a mutation of the valid text. */
interface FileSpec {
  readonly name: string;
  readonly file: FileKind;
  readonly required?: boolean;
}

interface CommandSpec {
  readonly command: readonly string[];
  readonly flags: readonly FlagSpec[];
  readonly fileFlags: readonly FileSpec[];
  /** Exit-1 messages that are documented runtime failures, not bad input. */
  readonly runtimeFailures?: RegExp;
  readonly runs: number;
}

const mutationsOf = (file: FileSpec['file']): fc.Arbitrary<{ text: string }> => {
  switch (file) {
    case 'trace': return mutatedCsv(texts.trace);
    case 'plan': return mutatedYaml(texts.plan, { format: 'json' });
    default: return mutatedYaml(texts[file]);
  }
};

function lineArbitrary(spec: CommandSpec): fc.Arbitrary<string[]> {
  const flagDraws = fc.tuple(...spec.flags.map((flag) => fc.record({
    value: fc.constantFrom(...flag.valid), bad: fc.constantFrom(...flag.bad), useBad: fc.nat({ max: 3 }).map((draw) => draw === 0), give: fc.boolean(),
  })));
  const fileDraws = fc.tuple(...spec.fileFlags.map((fileFlag) => fc.record({
    kind: fc.constantFrom('valid', 'valid', 'missing', 'folder', 'empty', 'mutated', 'mutated'),
    mutated: fc.constant(0).chain(() => mutationsOf(fileFlag.file)),
    give: fc.boolean(),
  })));
  const junk = fc.constantFrom<string[]>([], [], [], ['--nope'], ['stray'], ['-q'], ['--output']);
  const report = fc.constantFrom('none', 'none', 'ok', 'folder');
  return fc.tuple(fc.nat({ max: 2 }).map((draw) => draw === 0), flagDraws, fileDraws, junk, report).map(([clean, flags, fileChoices, extra, reportChoice]) => {
    const args = [...spec.command];
    spec.flags.forEach((flag, index) => {
      const draw = flags[index] as { value: string; bad: string; useBad: boolean; give: boolean };
      if (!clean && draw.useBad) args.push(flag.name, draw.bad);
      else if (flag.required === true || draw.give) args.push(flag.name, draw.value);
    });
    spec.fileFlags.forEach((fileFlag, index) => {
      const draw = fileChoices[index] as { kind: string; mutated: { text: string }; give: boolean };
      if (!(fileFlag.required === true || draw.give)) return;
      const kind = clean ? 'valid' : draw.kind;
      counter += 1;
      const path = kind === 'valid' ? files[fileFlag.file]
        : kind === 'missing' ? join(folder, 'absent', `${fileFlag.file}`)
          : kind === 'folder' ? folder
            : write(`${fileFlag.file}-${counter}`, kind === 'empty' ? '' : draw.mutated.text);
      if (fileFlag.name === '--history=') args.push('--history', `pay-0000=${path}`);
      else args.push(fileFlag.name, path);
    });
    if (spec.command[0] === 'plan' && reportChoice !== 'none') {
      args.push('--report', reportChoice === 'ok' ? join(folder, 'reports', `r${counter}.html`) : folder);
    }
    return clean ? args : [...args, ...extra];
  });
}

function judge(spec: CommandSpec, args: readonly string[], outcome: CliOutcome): void {
  const name = spec.command.join(' ');
  const tally = (tallies[name] ??= { inputs: 0, exit0: 0, exit2: 0, exit1: 0 });
  tally.inputs += 1;
  const where = `chuanliu ${args.map((arg) => JSON.stringify(arg)).join(' ')}\nexit ${outcome.exitCode}\nstderr: ${outcome.stderr.slice(0, 1500)}`;
  if (outcome.exitedDirectly !== undefined) throw new Error(`called process.exit(${outcome.exitedDirectly})\n${where}`);
  if (outcome.exitCode === 0) {
    tally.exit0 += 1;
    return;
  }
  if (STACK_FRAME.test(outcome.stderr)) throw new Error(`stack trace on stderr\n${where}`);
  if (outcome.exitCode === 1 && spec.runtimeFailures?.test(outcome.stderr) === true) {
    tally.exit1 += 1;
    return;
  }
  if (outcome.exitCode !== 2) throw new Error(`exit ${outcome.exitCode} for bad input (expected 2)\n${where}`);
  if (outcome.stdout !== '') throw new Error(`exit 2 but something on stdout\n${where}`);
  if (outcome.error instanceof InputError) {
    const problems = locationProblems(outcome.error, { requireLineOrField: false });
    if (problems.length > 0) throw new Error(`${problems.join(', ')}\n${where}`);
  }
  const reportIndex = args.indexOf('--report');
  if (reportIndex >= 0 && args[reportIndex + 1]?.endsWith('.html') === true && existsSync(args[reportIndex + 1] as string)) {
    throw new Error(`exit 2 but the report was written\n${where}`);
  }
  tally.exit2 += 1;
}

const DURATIONS_OK = ['6h', '1h', '2h'];
const DURATIONS_BAD = ['0s', '-1h', 'abc', '', '1e9h', '5', '10y'];
const NOW_OK = ['2014-07-31T12:00:00Z', '2025-11-11T12:00:00Z'];
const NOW_BAD = ['yesterday', '2014-13-01T00:00:00Z', '', '1e12', '2014-07-31 12:00'];
const TZ_BAD = ['Mars/Olympus', '', '+08:00'];
const PROMETHEUS_DOWN = (): string => `http://127.0.0.1:${closedPort}`;
/** The trace layout flags, valid for the NYC-taxi head (`timestamp,value`); bad ones name what is wrong. */
const LAYOUT_FLAGS: FlagSpec[] = [
  { name: '--time-column', valid: ['timestamp', '1', 'TIMESTAMP'], bad: ['', '0', '9', 'value', 'nope', '🚀'] },
  { name: '--value-column', valid: ['value', '2'], bad: ['', '1', 'timestamp', '-2', 'nope'] },
  { name: '--delimiter', valid: [',', 'comma'], bad: ['|', '', 'tabs', ';', 'tab'] },
  { name: '--time-format', valid: ['iso', 'ISO'], bad: ['unix', '', 'epoch-s', 'epoch-ms'] },
];
const PLAN_LAYOUT_FLAGS: FlagSpec[] = [
  ...LAYOUT_FLAGS,
  { name: '--history-tz', valid: ['UTC', 'America/New_York'], bad: TZ_BAD },
];

const specs = (): CommandSpec[] => [
  {
    command: ['forecast'],
    flags: [
      { name: '--horizon', valid: DURATIONS_OK, bad: DURATIONS_BAD, required: true },
      { name: '--bucket', valid: ['30m', '1h'], bad: ['1ms', '7m', '-5m', 'x'] },
      { name: '--quantiles', valid: ['0.5,0.9,0.99', '0.99'], bad: ['1', '0', '0.5,0.5', 'a,b', '', '0.99,0.5'] },
      { name: '--tz', valid: ['UTC', 'America/New_York'], bad: TZ_BAD },
      { name: '--workload', valid: ['payment', 'default'], bad: ['', '🚀'] },
      { name: '-o', valid: ['table', 'json'], bad: ['yaml', ''] },
      ...LAYOUT_FLAGS,
    ],
    fileFlags: [{ name: '--history', file: 'trace', required: true }, { name: '--calendar', file: 'calendar' }],
    runs: 50,
  },
  {
    command: ['backtest'],
    flags: [
      // Always few origins and cheap baselines: the defaults (40 origins, ARIMA included) take minutes.
      { name: '--origins', valid: ['2', '3'], bad: ['0', '-1', 'x', '1e9', ''], required: true },
      { name: '--horizon', valid: ['1h', '1h,6h'], bad: ['', '0s', 'x,1h', '-1h'] },
      { name: '--baselines', valid: ['none', 'seasonal-naive'], bad: ['magic', '', 'none,all'], required: true },
      { name: '--quantiles', valid: ['0.5,0.9,0.99'], bad: ['0.9', '2', ''] },
      { name: '--span', valid: ['7d'], bad: ['-7d', '0s', '1000d'] },
      { name: '--min-history', valid: ['7d'], bad: ['x', '1000d'] },
      { name: '-o', valid: ['table', 'json'], bad: ['yaml'] },
      ...LAYOUT_FLAGS,
    ],
    fileFlags: [{ name: '--trace', file: 'trace', required: true }],
    runs: 40,
  },
  {
    command: ['plan'],
    flags: [
      { name: '--horizon', valid: ['10m', '1h'], bad: DURATIONS_BAD },
      { name: '--slot', valid: ['500ms', '1s'], bad: ['0s', '700ms', 'x', '-1s'] },
      { name: '--now', valid: NOW_OK, bad: NOW_BAD },
      { name: '--tz', valid: ['Asia/Shanghai'], bad: TZ_BAD },
      { name: '--prometheus-url', valid: ['http://127.0.0.1:9'], bad: ['not a url', 'ftp://x', ''] },
      { name: '-o', valid: ['table', 'json'], bad: ['yaml', ''] },
      ...PLAN_LAYOUT_FLAGS,
    ],
    fileFlags: [{ name: '--config', file: 'config', required: true }, { name: '--history=', file: 'trace' }],
    runtimeFailures: /Prometheus at http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query_range is unreachable/,
    runs: 40,
  },
  {
    command: ['explain', 'pay-0000'],
    flags: [
      { name: '--at', valid: ['2025-11-11T12:00:05Z', '12:00:10'], bad: ['25:00', 'noon', '', '2025-11-11T12:00:05'], required: true },
      { name: '--tz', valid: ['UTC'], bad: TZ_BAD },
      { name: '-o', valid: ['table', 'json'], bad: ['yaml'] },
    ],
    fileFlags: [{ name: '--plan', file: 'plan', required: true }],
    runs: 60,
  },
  {
    // Bad flags only matter before any connection: a valid line would dial Redis. Every line
    // carries a bad --redis URL, so even a clean one stops at it with exit 2.
    command: ['reconcile', '--once', '--redis', 'not-a-redis-url'],
    flags: [
      { name: '--forecast-every', valid: ['1h'], bad: ['x', '-1h', ''] },
      { name: '--plan-every', valid: ['5m'], bad: ['0s', 'every day'] },
      { name: '--redis-prefix', valid: ['chuanliu'], bad: ['', 'a:b'] },
      { name: '--log-level', valid: ['info'], bad: ['loud', ''] },
      { name: '-o', valid: ['table'], bad: ['yaml'] },
    ],
    fileFlags: [{ name: '--config', file: 'config', required: true }, { name: '--plan', file: 'plan' }],
    runs: 40,
  },
  {
    command: ['controller', '--redis', 'not-a-redis-url'],
    flags: [
      { name: '--metrics-port', valid: ['0'], bad: ['70000', 'x', '-1'] },
      { name: '--lease-ttl', valid: ['10s'], bad: ['0s', 'x'] },
      { name: '--job-lock', valid: ['30s'], bad: ['-1s'] },
      { name: '--max-concurrent-writes', valid: ['32'], bad: ['0', 'many'] },
      { name: '--plan-every', valid: ['5m', '*/5 * * * *'], bad: ['*/99 * *', ''] },
      { name: '--log-level', valid: ['debug'], bad: ['verbose'] },
    ],
    fileFlags: [{ name: '--config', file: 'config', required: true }, { name: '--plan', file: 'plan' }],
    runs: 40,
  },
];

describe('fuzz: forecasting, planning and controller flags', () => {
  it.each(['forecast', 'backtest', 'plan', 'explain', 'reconcile', 'controller'])('chuanliu %s', async (command) => {
    const spec = specs().find((candidate) => candidate.command[0] === command) as CommandSpec;
    const resolved = { ...spec, flags: spec.flags.map((flag) => (flag.name === '--prometheus-url' ? { ...flag, valid: [PROMETHEUS_DOWN()] } : flag)) };
    await fc.assert(fc.asyncProperty(lineArbitrary(resolved), async (args) => {
      judge(resolved, args, await runCli(args));
    }), fuzzParameters(resolved.runs));
  }, 180_000);
});
