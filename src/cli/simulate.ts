/**
 * `chuanliu simulate --scenario <yaml>`: replays a scenario's traffic through capacity strategies on
 * the simulated cluster and scores them — a table in the terminal (best value per column marked),
 * JSON with `-o json`, and a self-contained HTML report with `--report`.
 */
import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { InputError } from '../domain/errors.ts';
import { runSimulation } from '../simulator/engine.ts';
import { loadScenarioFile } from '../simulator/load-scenario.ts';
import { simulationResultToJson } from '../simulator/result-json.ts';
import { builtinStrategies, DEFAULT_STRATEGIES } from '../simulator/strategies/index.ts';
import type { StrategyRegistry } from '../simulator/strategy.ts';
import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import { sweepScenarios } from '../simulator/frontier/sweep.ts';
import {
  describeVerdict, formatCompact, formatPercent, renderFrontierHtml, renderSimulationHtml, renderSimulationTable, shouldUseColor,
} from '../report/index.ts';

interface SimulateFlags {
  scenario: string;
  strategies?: string;
  seed?: string;
  report?: string;
  output: string;
  sweep?: boolean;
  workers?: string;
}

const OUTPUT_FORMATS = ['table', 'json'] as const;

export function registerSimulateCommand(program: Command): void {
  const registry = builtinStrategies();
  program
    .command('simulate')
    .description('Replay a scenario\'s traffic through capacity strategies on a simulated cluster and score them')
    .requiredOption('--scenario <yaml>', 'scenario file (sim/*.yaml)')
    .option('--strategies <list>', `comma-separated strategies: ${registry.names().join(', ')}`, DEFAULT_STRATEGIES.join(','))
    .option('--seed <n>', 'replace the scenario\'s seed (traffic noise, startup times, metric lags)')
    .option('--report <html>', 'write a self-contained HTML report here')
    .option('-o, --output <format>', `stdout format: ${OUTPUT_FORMATS.join(' | ')}`, 'table')
    .option('--sweep', 'cost/service frontier: the HPA at CPU 20–80 %, static-peak, keda-cron, the oracle, chuanliu at its defaults and over its risk knob (forecast.quantile)')
    .option('--workers <n>', 'worker processes for --sweep (runs are independent; results do not depend on it)', String(Math.min(2, availableParallelism())))
    .action(async (flags: SimulateFlags, command: Command) => {
      const output = parseOutput(flags.output);
      if (flags.sweep === true) {
        if (command.getOptionValueSource('strategies') === 'cli') throw new InputError('--sweep runs its own set of strategies; leave --strategies out', { source: '--strategies' });
        await runSweepCommand(flags, output);
        return;
      }
      const strategies = parseStrategies(flags.strategies ?? DEFAULT_STRATEGIES.join(','), registry);
      const seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
      // A report path that cannot be written is bad input: say so before simulating, not after.
      if (flags.report !== undefined) await checkReportPath(flags.report);
      const scenario = await loadScenarioFile(flags.scenario, { registry, ...(seed !== undefined ? { seed } : {}) });
      const progress = startProgress(strategies.length);
      let result;
      try {
        result = await runSimulation(scenario, {
          strategies,
          registry,
          ...(progress !== undefined ? { onProgress: progress.update } : {}),
        });
      } finally {
        progress?.stop();
      }
      if (flags.report !== undefined) {
        await writeReport(flags.report, renderSimulationHtml(result));
        process.stderr.write(`report written to ${flags.report}\n`);
      }
      process.stdout.write(output === 'json'
        ? `${simulationResultToJson(result)}\n`
        : `${renderSimulationTable(result, { color: shouldUseColor(process.stdout) })}\n`);
    });
}

async function runSweepCommand(flags: SimulateFlags, output: (typeof OUTPUT_FORMATS)[number]): Promise<void> {
  const seed = flags.seed === undefined ? undefined : parseSeed(flags.seed);
  const workers = parseWorkers(flags.workers ?? '1');
  if (flags.report !== undefined) await checkReportPath(flags.report);
  const startedAt = performance.now();
  const frontiers = await sweepScenarios([flags.scenario], {
    workers,
    ...(seed !== undefined ? { seed } : {}),
    // Progress on stderr, one line per finished run (a sweep takes minutes; stdout stays the result).
    onDone: ({ done, total, run, point, seconds }) => process.stderr.write(
      `[${done}/${total}] ${run.label}: ${formatCompact(point.unservedRequests)} unserved, ${formatCompact(point.onlineCoreHours)} online core-h (${seconds.toFixed(1)} s; ${((performance.now() - startedAt) / 1000).toFixed(0)} s elapsed)\n`),
  });
  if (flags.report !== undefined) {
    await writeReport(flags.report, renderFrontierHtml(frontiers));
    process.stderr.write(`report written to ${flags.report}\n`);
  }
  if (output === 'json') {
    process.stdout.write(`${JSON.stringify(frontiers, null, 2)}\n`);
    return;
  }
  for (const frontier of frontiers) {
    const rows = frontier.points.map((point) => [
      `${point.label}${point.strategy === 'chuanliu' && point.isDefault ? ' ◆' : ''}`,
      formatCompact(point.unservedRequests),
      formatPercent(point.demandRequests > 0 ? (point.unservedRequests / point.demandRequests) * 100 : 0),
      formatCompact(point.onlineCoreHours),
    ]);
    const widths = [0, 1, 2, 3].map((column) => Math.max(...[['point', 'unserved', 'unserved %', 'online core-h'], ...rows].map((row) => (row[column] as string).length)));
    const line = (row: readonly string[]): string => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] as number) : cell.padStart(widths[column] as number))).join('  ');
    process.stdout.write(`${frontier.scenario.name}${frontier.scenario.synthetic ? ' (SYNTHETIC)' : ''}\n${line(['point', 'unserved', 'unserved %', 'online core-h'])}\n${rows.map(line).join('\n')}\n${describeVerdict(frontier.verdict)}.\n`);
  }
}

function parseWorkers(text: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > 64) {
    throw new InputError(`"${text}" is not a number of worker processes (1–64)`, { source: '--workers' });
  }
  return Number(text);
}

async function checkReportPath(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const [target, parent] = await Promise.all([stat(path).catch(() => undefined), stat(folder).catch(() => undefined)]);
  if (target?.isDirectory()) throw new InputError(`${path} is a folder; expected the path of the HTML file to write`, { source: '--report' });
  if (parent === undefined || !parent.isDirectory()) throw new InputError(`cannot write ${path}: the folder ${folder} does not exist`, { source: '--report' });
}

async function writeReport(path: string, html: string): Promise<void> {
  try {
    await writeFile(path, html);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EISDIR' || code === 'ENOENT' || code === 'ENOTDIR' || code === 'EROFS') {
      throw new InputError(`cannot write the report: ${(error as Error).message}`, { source: '--report' });
    }
    throw error;
  }
}

function parseOutput(value: string): (typeof OUTPUT_FORMATS)[number] {
  if ((OUTPUT_FORMATS as readonly string[]).includes(value)) return value as (typeof OUTPUT_FORMATS)[number];
  throw new InputError(`"${value}" is not one of ${OUTPUT_FORMATS.join(', ')}`, { source: '--output' });
}

export function parseStrategies(list: string, registry: StrategyRegistry): string[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  if (names.length === 0) throw new InputError('expected at least one strategy', { source: '--strategies' });
  const unknown = names.filter((name) => !registry.has(name));
  if (unknown.length > 0) {
    throw new InputError(`unknown strateg${unknown.length > 1 ? 'ies' : 'y'} ${unknown.map((name) => `"${name}"`).join(', ')}; known: ${registry.names().join(', ')}`, { source: '--strategies' });
  }
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new InputError(`strategy "${repeated}" is listed twice`, { source: '--strategies' });
  return names;
}

function parseSeed(text: string): number {
  if (!/^-?\d+$/.test(text.trim()) || !Number.isSafeInteger(Number(text))) {
    throw new InputError(`"${text}" is not an integer seed`, { source: '--seed' });
  }
  return Number(text);
}

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
function startProgress(strategyCount: number): { update: (p: { strategy: string; strategyIndex: number; tick: number; totalTicks: number }) => void; stop: () => void } | undefined {
  if (!process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'simulating {strategy} [{bar}] {percentage}% | ETA {eta_formatted}',
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update({ strategy, strategyIndex, tick, totalTicks }) {
      if (!started) {
        bar.start(totalTicks * strategyCount, 0, { strategy });
        started = true;
      }
      bar.update(strategyIndex * totalTicks + tick, { strategy });
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
