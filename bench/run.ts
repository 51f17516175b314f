/**
 * `npm run bench`: runs every registered part and writes each one's section into BENCHMARKS.md
 * (between `<!-- bench:<id> -->` markers, so parts run alone leave the others' sections in place).
 * Exits 1 when a part missed a target. Options: `--only id[,id]`, `--quick` (fewer origins/runs).
 *
 * To add a part: export a `BenchPart` (bench/part.ts) from bench/<id>.ts and add one line below.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { forecastBenchPart } from './forecast.ts';
import { forecastKeptFitsBenchPart } from './forecast-kept-fits.ts';
import { forecastRefreshBenchPart } from './forecast-refresh.ts';
import { grandShift10kBenchPart, grandShiftBenchPart } from './grand-shift.ts';
import { grandShiftReal10kBenchPart, grandShiftRealBenchPart } from './grand-shift-real.ts';
import { chuanliuBenchPart } from './chuanliu.ts';
import { elasticPoolsBenchPart } from './elastic-pools.ts';
import { plannerBenchPart } from './planner.ts';
import { frontierBenchPart } from './frontier.ts';
import { peakEventBenchPart } from './peak-event.ts';
import type { BenchPart } from './part.ts';

const parts: readonly BenchPart[] = [
  forecastBenchPart,
  forecastRefreshBenchPart,
  forecastKeptFitsBenchPart,
  grandShiftBenchPart,
  grandShift10kBenchPart,
  grandShiftRealBenchPart,
  grandShiftReal10kBenchPart,
  chuanliuBenchPart,
  elasticPoolsBenchPart,
  plannerBenchPart,
  frontierBenchPart,
  peakEventBenchPart,
];

const benchmarksPath = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url));
const resultsDirectory = fileURLToPath(new URL('./results/', import.meta.url));

/** bench/results/<id>.json: the part's figures and targets (when it reports them) and what it missed. */
async function writeResults(id: string, quick: boolean, startedAtMs: number, result: { figures?: unknown; failures: readonly string[]; markdown: string }): Promise<void> {
  await mkdir(resultsDirectory, { recursive: true });
  const path = `${resultsDirectory}${id}.json`;
  const figures = result.figures ?? await ownResultsWrittenSince(path, startedAtMs);
  const document = { part: id, generatedAt: new Date().toISOString(), quick, failures: result.failures, figures: figures ?? null, markdown: result.markdown };
  await writeFile(path, `${JSON.stringify(document, null, 2)}\n`);
}

/**
 * A part that wrote bench/results/<id>.json itself during this run (its points, in its own shape)
 * keeps them as the figures: replacing the file with the summary alone would lose them.
 */
async function ownResultsWrittenSince(path: string, startedAtMs: number): Promise<unknown> {
  const written = await stat(path).then((entry) => entry.mtimeMs, () => 0);
  if (written < startedAtMs) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as unknown;
}

function parseArguments(argv: readonly string[]): { only: Set<string> | undefined; quick: boolean } {
  const onlyIndex = argv.indexOf('--only');
  const only = onlyIndex >= 0 ? new Set((argv[onlyIndex + 1] ?? '').split(',').filter(Boolean)) : undefined;
  const unknown = [...(only ?? [])].filter((id) => !parts.some((part) => part.id === id));
  if (unknown.length > 0) throw new Error(`unknown bench part(s) ${unknown.join(', ')}; known: ${parts.map((part) => part.id).join(', ')}`);
  return { only, quick: argv.includes('--quick') };
}

function replaceSection(document: string, id: string, markdown: string): string {
  const start = `<!-- bench:${id} -->`;
  const end = `<!-- /bench:${id} -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const from = document.indexOf(start);
  const to = document.indexOf(end);
  if (from >= 0 && to > from) return document.slice(0, from) + section + document.slice(to + end.length);
  return `${document.trimEnd()}\n\n${section}\n`;
}

/** BENCHMARKS.md as it is now: read again for every part, so hand edits made during a long run are kept. */
async function readBenchmarks(): Promise<string> {
  try {
    return await readFile(benchmarksPath, 'utf8');
  } catch {
    return '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its part runs again.\n';
  }
}

async function main(): Promise<number> {
  const { only, quick } = parseArguments(process.argv.slice(2));
  const failures: string[] = [];
  for (const part of parts) {
    if (only !== undefined && !only.has(part.id)) continue;
    process.stderr.write(`bench ${part.id}${quick ? ' (quick)' : ''}…\n`);
    const startedAtMs = Date.now();
    const result = await part.run({ quick, log: (line) => process.stderr.write(`  ${line}\n`) });
    await writeFile(benchmarksPath, replaceSection(await readBenchmarks(), part.id, result.markdown));
    await writeResults(part.id, quick, startedAtMs, result);
    failures.push(...result.failures.map((failure) => `${part.id}: ${failure}`));
  }
  process.stderr.write(`wrote ${benchmarksPath}\n`);
  for (const failure of failures) process.stderr.write(`MISSED ${failure}\n`);
  return failures.length > 0 ? 1 : 0;
}

process.exitCode = await main();
