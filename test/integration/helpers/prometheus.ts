/**
 * A real `prometheus` server for integration tests, on a free port, with a private TSDB that can be
 * backfilled from OpenMetrics text through `promtool tsdb create-blocks-from openmetrics`.
 *
 * Backfilled blocks must lie before the head block and within retention, so tests use old
 * timestamps (a 1995 trace) and a retention of 100 years; without `scrapeTargets` no scrape job
 * runs, so the head stays empty. With them, the server scrapes live exporters (fresh data "now").
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';
import { requireBinary, startProcess, waitUntil } from './process.ts';

const run = promisify(execFile);
const INSTALL_HINT = 'apt-get install -y prometheus (Debian/Ubuntu), or put prometheus and promtool on PATH';

export interface PrometheusServer {
  baseUrl: string;
  port: number;
  /** e.g. "2.42.0"; tests that depend on PromQL details branch on the major version. */
  version: string;
  majorVersion: number;
  stop(): Promise<void>;
}

export interface StartPrometheusOptions {
  /** OpenMetrics exposition (ending in `# EOF`) to backfill before the server starts. */
  openMetrics?: string;
  /**
   * Server-wide lookback for instant selectors. Prometheus' 5m default would carry the last
   * sample across a gap in a backfilled series; a lookback shorter than the step keeps gaps empty.
   */
  lookbackDelta?: string;
  /** `host:port` of exporters to scrape (path /metrics), every `scrapeIntervalSeconds`. */
  scrapeTargets?: readonly string[];
  /** @defaultValue 1 */
  scrapeIntervalSeconds?: number;
  startTimeoutMs?: number;
}

function configText(options: StartPrometheusOptions): string {
  if (options.scrapeTargets === undefined || options.scrapeTargets.length === 0) return 'global:\n  evaluation_interval: 1h\nscrape_configs: []\n';
  const interval = `${options.scrapeIntervalSeconds ?? 1}s`;
  return [
    'global:',
    `  scrape_interval: ${interval}`,
    `  scrape_timeout: ${interval}`,
    '  evaluation_interval: 1h',
    'scrape_configs:',
    '  - job_name: chuanliu-test',
    '    static_configs:',
    `      - targets: [${options.scrapeTargets.map((target) => `'${target}'`).join(', ')}]`,
    '',
  ].join('\n');
}

export async function startPrometheus(options: StartPrometheusOptions = {}): Promise<PrometheusServer> {
  const prometheus = requireBinary('prometheus', INSTALL_HINT);
  const promtool = requireBinary('promtool', INSTALL_HINT);
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-prometheus-'));
  const dataDirectory = join(directory, 'data');
  const configPath = join(directory, 'prometheus.yml');
  await writeFile(configPath, configText(options));
  try {
    if (options.openMetrics !== undefined) {
      const inputPath = join(directory, 'backfill.om');
      await writeFile(inputPath, options.openMetrics);
      await run(promtool, ['tsdb', 'create-blocks-from', 'openmetrics', '--quiet', inputPath, dataDirectory], { maxBuffer: 16 * 1024 * 1024 });
    }
    const { stdout: versionText } = await run(prometheus, ['--version']);
    const version = /version (\d+\.\d+\.\d+)/.exec(versionText)?.[1] ?? '0.0.0';
    const port = await freePort();
    const server = startProcess(prometheus, [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${dataDirectory}`,
      '--storage.tsdb.retention.time=100y',
      `--web.listen-address=127.0.0.1:${port}`,
      `--query.lookback-delta=${options.lookbackDelta ?? '5m'}`,
      '--log.level=warn',
    ], { cwd: directory });
    const baseUrl = `http://127.0.0.1:${port}`;
    const stop = async (): Promise<void> => {
      await server.stop();
      await rm(directory, { recursive: true, force: true });
    };
    try {
      await waitUntil('prometheus', async () => (await fetch(`${baseUrl}/-/ready`)).ok, {
        process: server, timeoutMs: options.startTimeoutMs ?? 20_000,
      });
    } catch (error) {
      await stop();
      throw error;
    }
    return { baseUrl, port, version, majorVersion: Number(version.split('.')[0]), stop };
  } catch (error) {
    await rm(directory, { recursive: true, force: true });
    throw error;
  }
}

export interface OpenMetricsFamily {
  name: string;
  type: 'gauge' | 'counter';
  help?: string;
  /** Samples in time order; for counters `name` is the family and samples are written as `<name>_total`. */
  samples: { timeMs: number; value: number; labels?: Record<string, string> }[];
}

/** OpenMetrics text for `promtool tsdb create-blocks-from openmetrics` (timestamps in seconds). */
export function toOpenMetrics(families: OpenMetricsFamily[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(`# HELP ${family.name} ${family.help ?? family.name}`);
    lines.push(`# TYPE ${family.name} ${family.type}`);
    const sampleName = family.type === 'counter' ? `${family.name}_total` : family.name;
    for (const sample of family.samples) {
      const labels = Object.entries(sample.labels ?? {}).map(([key, value]) => `${key}="${value.replace(/["\\\n]/g, '\\$&')}"`).join(',');
      lines.push(`${sampleName}${labels ? `{${labels}}` : ''} ${formatFloat(sample.value)} ${sample.timeMs / 1000}`);
    }
  }
  lines.push('# EOF', '');
  return lines.join('\n');
}

function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}
