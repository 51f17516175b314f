/**
 * Fuzz: every parser of user input, fed mutations of the shipped valid files and random text.
 * Property: the input is accepted, or refused with an InputError naming the file and a line or a
 * field, in a message without a stack trace — never another exception.
 *
 * Seeded: CHUANLIU_FUZZ_SEED (default 20251111) and CHUANLIU_FUZZ_RUNS (per property); fast-check
 * prints the seed and the shrunk input of a failure. Counts of inputs tried, accepted and refused
 * go to CHUANLIU_FAULT_REPORT when set (RELIABILITY.md).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { afterAll, describe, it } from 'vitest';
import { stringify } from 'yaml';
import { decodePlan, encodePlan } from '../../src/adapters/plan-file.ts';
import { parseTraceText, type TraceReadOptions } from '../../src/adapters/traces/read-trace.ts';
import { parseCalendarText } from '../../src/calendar/load-calendar.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { parseObjects } from '../../src/kube-api/objects-file.ts';
import { parseScenarioText } from '../../src/simulator/load-scenario.ts';
import { builtinStrategies } from '../../src/simulator/strategies/index.ts';
import { grandShift } from '../faults/helpers/grand-shift.ts';
import { fuzzParameters, recordRun } from '../faults/helpers/seeds.ts';
import { mutatedCsv, mutatedText, mutatedYaml } from './helpers/mutations.ts';
import { expectAcceptedOrLocated, newTally, type Tally } from './helpers/outcome.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const tallies = new Map<string, Tally>();

function tallyOf(name: string): Tally {
  const tally = tallies.get(name) ?? newTally();
  tallies.set(name, tally);
  return tally;
}

afterAll(() => {
  for (const [name, tally] of tallies) {
    recordRun(`fuzz: ${name}`, tally);
    process.stderr.write(`fuzz ${name}: ${tally.inputs} inputs, ${tally.accepted} accepted, ${tally.refused} refused with a located error\n`);
  }
});

const CONFIG = 'sim/config.double11.yaml';
const onlineNames = parseConfigText(read(CONFIG), CONFIG).inventory.online.map((workload) => workload.name);

describe('fuzz: config YAML', () => {
  it('mutations of sim/config.double11.yaml', async () => {
    const tally = tallyOf('config (sim/config.double11.yaml)');
    await fc.assert(fc.asyncProperty(mutatedYaml(read(CONFIG)), async ({ text }) => {
      await expectAcceptedOrLocated(() => parseConfigText(text, CONFIG, { baseDir: join(root, 'sim') }), tally, { expectedSource: (source) => source === CONFIG });
    }), fuzzParameters(300));
  });
});

describe('fuzz: calendar YAML', () => {
  it.each([
    { file: 'forecasts/double11.yaml', workloads: onlineNames, runs: 200 },
    { file: 'sim/calendars/nasa-sts70.yaml', workloads: undefined, runs: 150 },
  ])('mutations of $file', async ({ file, workloads, runs }) => {
    const tally = tallyOf(`calendar (${file})`);
    await fc.assert(fc.asyncProperty(mutatedYaml(read(file)), async ({ text }) => {
      await expectAcceptedOrLocated(() => parseCalendarText(text, file, workloads === undefined ? {} : { workloads }), tally, { expectedSource: (source) => source === file });
    }), fuzzParameters(runs));
  });
});

describe('fuzz: scenario YAML', () => {
  const registry = builtinStrategies();
  it.each([
    { file: 'sim/azure-code-bursts.yaml', runs: 60 },
    { file: 'sim/twitter-aapl-spiky.yaml', runs: 60 },
    { file: 'sim/nyc-taxi-seasonal.yaml', runs: 40 },
    // Synthetic traffic over 9 hours: slow to build when a mutation leaves it valid, so fewer runs.
    { file: 'sim/double11.yaml', runs: 25 },
  ])('mutations of $file', async ({ file, runs }) => {
    const tally = tallyOf(`scenario (${file})`);
    await fc.assert(fc.asyncProperty(mutatedYaml(read(file)), async ({ text }) => {
      // Errors may name the scenario or a file it refers to (config, calendar, trace).
      await expectAcceptedOrLocated(() => parseScenarioText(text, file, { registry, baseDir: join(root, dirname(file)) }), tally, { inputSource: file });
    }), fuzzParameters(runs));
  }, 120_000);
});

/** The header and first rows of each shipped trace (real data, cut short to keep the runs fast). */
const TRACES = [
  'sim/traces/nab-nyc-taxi/nyc_taxi.csv',
  'sim/traces/nab-twitter-aapl/Twitter_volume_AAPL.csv',
  'sim/traces/nasa-http-1995/nasa_http_1995_requests_per_minute.csv',
  'sim/traces/azure-llm-inference-2023/azure_llm_2023_code_requests_per_second.csv',
  'sim/traces/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv',
];
const head = (path: string, rows: number): string => read(path).split('\n').slice(0, rows + 1).join('\n');

describe('fuzz: trace CSV', () => {
  it.each(TRACES.map((file) => ({ file })))('mutations of the first 300 rows of $file', async ({ file }) => {
    const tally = tallyOf(`trace (${file.split('/').pop()})`);
    await fc.assert(fc.asyncProperty(mutatedCsv(head(file, 300)), async ({ text }) => {
      await expectAcceptedOrLocated(() => parseTraceText(text, file), tally, { expectedSource: (source) => source === file });
    }), fuzzParameters(120));
  });

  it.each([
    { shape: '";" without a header', rewrite: (text: string): string => text.split('\n').slice(1).join('\n').replaceAll(',', ';') },
    { shape: 'tab-separated with a header, epoch seconds', rewrite: (text: string): string => text.split('\n').map((line, index) => {
      const [time, value] = line.split(',');
      if (index === 0 || value === undefined) return line.replace(',', '\t');
      return `${Date.parse(`${(time as string).replace(' ', 'T')}Z`) / 1000}\t${value}`;
    }).join('\n') },
  ])('mutations of the NYC-taxi head rewritten as $shape', async ({ shape, rewrite }) => {
    const tally = tallyOf(`trace (${shape})`);
    const file = TRACES[0] as string;
    await fc.assert(fc.asyncProperty(mutatedCsv(rewrite(head(file, 300))), async ({ text }) => {
      await expectAcceptedOrLocated(() => parseTraceText(text, file), tally, { expectedSource: (source) => source === file });
    }), fuzzParameters(120));
  });

  it('reader options (bucket, zone, columns, delimiter, time format, outages, duplicates) on a valid trace', async () => {
    const tally = tallyOf('trace options');
    const file = TRACES[0] as string;
    const text = head(file, 300);
    const options: fc.Arbitrary<TraceReadOptions> = fc.record({
      bucketMs: fc.constantFrom(1, 1_000, 1_800_000, 3_600_000, 0, -60_000, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e15),
      timeZone: fc.constantFrom('UTC', 'America/New_York', 'Asia/Shanghai', 'Mars/Olympus', '', 'utc', '+08:00'),
      valueColumn: fc.constantFrom('value', 'timestamp', 'nope', '', '🚀'),
      outageWindows: fc.array(fc.record({ startMs: fc.double(), endMs: fc.double() }), { maxLength: 2 }),
      detectOutages: fc.boolean(),
      valuesAreRates: fc.boolean(),
      onConflictingDuplicate: fc.constantFrom('error', 'sum', 'keep-last') as fc.Arbitrary<TraceReadOptions['onConflictingDuplicate']>,
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(options, async (chosen) => {
      await expectAcceptedOrLocated(() => parseTraceText(text, file, chosen), tally, { expectedSource: (source) => source === file });
    }), fuzzParameters(200));
  });
});

describe('fuzz: trace layout hints', () => {
  it('columns, delimiter and time format, valid and not, on a valid trace', async () => {
    const tally = tallyOf('trace layout hints');
    const file = TRACES[0] as string;
    const text = head(file, 300);
    const options: fc.Arbitrary<TraceReadOptions> = fc.record({
      valueColumn: fc.constantFrom('value', 'VALUE', '2', 'timestamp', 'nope', '', '🚀', '1', '3', '0', '-1', ' 2 '),
      timeColumn: fc.constantFrom('timestamp', '1', 'value', 'nope', '', '2', '9', '0'),
      delimiter: fc.constantFrom(',', 'comma', ';', '\t', 'tab', '|', '', ' '),
      timeFormat: fc.constantFrom('iso', 'ISO', 'epoch-s', 'epoch-ms', 'unix', ''),
    }, { requiredKeys: [] });
    await fc.assert(fc.asyncProperty(options, async (chosen) => {
      await expectAcceptedOrLocated(() => parseTraceText(text, file, chosen), tally, { expectedSource: (source) => source === file });
    }), fuzzParameters(200));
  });
});

describe('fuzz: kube-api objects file', () => {
  it('mutations of a multi-document objects file (the config\'s inventory as Kubernetes objects)', async () => {
    const tally = tallyOf('kube-api objects');
    const objects = inventoryObjects(parseConfigText(read(CONFIG), CONFIG).inventory).slice(0, 6);
    const valid = objects.map((object) => stringify(object)).join('---\n');
    const source = 'objects.yaml';
    await fc.assert(fc.asyncProperty(mutatedYaml(stringify({ apiVersion: 'v1', kind: 'List', items: objects })), mutatedText(valid), async (list, stream) => {
      for (const { text } of [list, stream]) {
        await expectAcceptedOrLocated(() => parseObjects(text, source), tally, { expectedSource: (found) => found === source });
      }
    }), fuzzParameters(150));
  });
});

describe('fuzz: plan files', () => {
  it('mutations of a plan file written by encodePlan (a small synthetic shift)', async () => {
    const tally = tallyOf('plan file (JSON)');
    const plan = grandShift({ workloads: 6, nowMs: Date.UTC(2025, 10, 11, 12), peakSlots: 10 }).plan;
    const source = 'plan.json';
    await fc.assert(fc.asyncProperty(mutatedYaml(encodePlan(plan, 2), { format: 'json' }), async ({ text }) => {
      await expectAcceptedOrLocated(() => decodePlan(text, source), tally, { expectedSource: (found) => found === source });
    }), fuzzParameters(300));
  });
});
