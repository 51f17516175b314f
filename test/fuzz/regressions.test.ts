/**
 * Regressions for what the fuzz suite found, each as the smallest input that showed it:
 * - YAML aliases resolve only when a document is converted, after the syntax check: an alias to an
 *   anchor never set, or a "billion laughs" expansion, escaped as a bare ReferenceError (a stack
 *   trace, exit 1) from every YAML reader (config, calendar, scenario, kube-api objects);
 * - a scenario whose `end` has a typo'd year (9999) made the loader build hundreds of billions of
 *   ticks and hang instead of refusing the field;
 * - `simulate --report` at a folder or in a folder that does not exist ran the whole simulation,
 *   then failed with exit 1 (EISDIR/ENOENT) instead of refusing the flag up front;
 * - a plan file with a JSON syntax error was refused without a line.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodePlan } from '../../src/adapters/plan-file.ts';
import { parseCalendarText } from '../../src/calendar/load-calendar.ts';
import { parseConfigText } from '../../src/config/load-config.ts';
import { InputError } from '../../src/domain/errors.ts';
import { parseObjects } from '../../src/kube-api/objects-file.ts';
import { parseScenarioText } from '../../src/simulator/load-scenario.ts';
import { builtinStrategies } from '../../src/simulator/strategies/index.ts';
import { runCli } from './helpers/run-cli.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

const LAUGHS = [
  'a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
  'e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]',
].join('\n');

async function refusal(parse: () => unknown): Promise<InputError> {
  try {
    await parse();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('accepted');
}

const readers: { name: string; parse: (text: string) => unknown }[] = [
  { name: 'config', parse: (text) => parseConfigText(text, 'bad.yaml') },
  { name: 'calendar', parse: (text) => parseCalendarText(text, 'bad.yaml') },
  { name: 'scenario', parse: (text) => parseScenarioText(text, 'bad.yaml', { registry: builtinStrategies(), baseDir: root }) },
  { name: 'kube-api objects', parse: (text) => parseObjects(text, 'bad.yaml') },
];

describe('YAML aliases that cannot be resolved are bad input, located', () => {
  it.each(readers.flatMap((reader) => [
    { reader: reader.name, parse: reader.parse, input: 'a bare alias', text: '*!', line: 1, message: /Unresolved alias/ },
    // The config-style readers point at the alias; kube-api's objects reader at its document.
    { reader: reader.name, parse: reader.parse, input: 'an alias to an anchor never set', text: 'name: x\nkind: *nowhere\n', line: reader.name === 'kube-api objects' ? 1 : 2, message: /Unresolved alias/ },
    { reader: reader.name, parse: reader.parse, input: 'a billion laughs', text: LAUGHS, line: undefined, message: /Excessive alias count/ },
  ]))('$reader: $input', async ({ parse, text, line, message }) => {
    const error = await refusal(() => parse(text));
    expect(error.location.source).toBe('bad.yaml');
    expect(error.message).toMatch(message);
    if (line !== undefined) expect(error.location.line).toBe(line);
    else expect(error.location.line).toBeGreaterThanOrEqual(1);
  });
});

describe('a scenario spanning absurdly many ticks', () => {
  it('is refused at its `end`, at once, with the limit and a hint', async () => {
    const text = readFileSync(join(root, 'sim/double11.yaml'), 'utf8').replace('end: 2026-11-12T02:00:00+08:00', 'end: 9999-11-12T02:00:00+08:00');
    // Before the fix this never returned (the test timeout catches a relapse).
    const error = await refusal(() => parseScenarioText(text, 'sim/double11.yaml', { registry: builtinStrategies(), baseDir: join(root, 'sim') }));
    expect(error.location).toMatchObject({ source: 'sim/double11.yaml', field: 'end', line: 20 });
    expect(error.message).toMatch(/expected at most 2,000,000 ticks \(23d3h33m20s at tick 1s\), got 251,603,571,600: check the year of `end`/);
  });
});

describe('simulate --report that cannot be written', () => {
  it.each([
    { name: 'a folder', report: () => root, message: /--report: .* is a folder; expected the path of the HTML file to write/ },
    { name: 'in a folder that does not exist', report: () => join(root, 'no-such-folder', 'report.html'), message: /--report: cannot write .*report\.html: the folder .*no-such-folder does not exist/ },
  ])('$name: exit 2 naming --report, before simulating (nothing on stdout)', async ({ report, message }) => {
    const outcome = await runCli(['simulate', '--scenario', join(root, 'sim/azure-code-bursts.yaml'), '--strategies', 'hpa', '--report', report()]);
    expect(outcome.exitCode).toBe(2);
    expect(outcome.stderr).toMatch(message);
    expect(outcome.stdout).toBe('');
  });
});

describe('a plan file that is not JSON', () => {
  it.each([
    { name: 'empty', text: '', line: 1 },
    { name: 'cut off after its second line', text: '{\n  "apiVersion": "chuanliu.io/v1",\n  "kind": "Capa', line: 3 },
    { name: 'a stray token on line 3', text: '{\n  "apiVersion": "chuanliu.io/v1",\n  kind: 1\n}', line: 3 },
  ])('$name: refused with the line', ({ text, line }) => {
    let error: unknown;
    try {
      decodePlan(text, 'plan.json');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).location).toEqual({ source: 'plan.json', line });
  });
});
