/**
 * The real traces shipped in sim/traces/, with the reading options each one needs (its time zone,
 * its known outages). Benchmarks, the simulator and the demo read them through here so every part
 * cleans a trace the same way. Origins and licenses: sim/traces/README.md and each SOURCE.md.
 */
import { fileURLToPath } from 'node:url';
import { InputError } from '../../domain/errors.ts';
import { readTraceFile, type TraceReadOptions, type TraceReadResult } from './read-trace.ts';

export interface ShippedTrace {
  id: string;
  /** Path relative to the repository root. */
  path: string;
  /** Zone of the file's naive timestamps. */
  timeZone: string;
  /** Outages known from the trace's documentation (epoch ms, end exclusive). */
  outageWindows: { startMs: number; endMs: number }[];
  /** What the series is and what reading it involves. */
  description: string;
  license: string;
}

export const SHIPPED_TRACES: readonly ShippedTrace[] = [
  {
    id: 'nyc-taxi',
    path: 'sim/traces/nab-nyc-taxi/nyc_taxi.csv',
    timeZone: 'America/New_York',
    outageWindows: [],
    description: 'NYC taxi passengers per 30 min, 2014-07 → 2015-01 (NAB); local time, the 2014-11-02 fall-back hour folded into one',
    license: 'MIT (Numenta NAB)',
  },
  {
    id: 'twitter-aapl',
    path: 'sim/traces/nab-twitter-aapl/Twitter_volume_AAPL.csv',
    timeZone: 'UTC',
    outageWindows: [],
    description: 'Tweets mentioning AAPL per 5 min, 2015-02-26 → 2015-04-23 (NAB); spiky; a 2h10m zero run on 2015-03-11 is a collection outage',
    license: 'MIT (Numenta NAB)',
  },
  {
    id: 'nasa-http-1995',
    path: 'sim/traces/nasa-http-1995/nasa_http_1995_requests_per_minute.csv',
    timeZone: 'America/New_York',
    // Hurricane Erin: the server went quiet at 14:40 local on 08-01 and only sporadic requests were
    // logged until 11:28 on 08-03 (UTC−4 in summer).
    outageWindows: [{ startMs: Date.parse('1995-08-01T14:40:00-04:00'), endMs: Date.parse('1995-08-03T11:28:00-04:00') }],
    description: 'NASA KSC web server requests per minute, 1995-07 → 1995-08; July log ends 07-28 13:32 (gap), hurricane outage 08-01 → 08-03',
    license: 'freely redistributable (ITA)',
  },
  {
    id: 'azure-code-per-second',
    path: 'sim/traces/azure-llm-inference-2023/azure_llm_2023_code_requests_per_second.csv',
    timeZone: 'UTC',
    outageWindows: [],
    description: 'Azure LLM inference, code service, requests per second over one hour of 2023-11-16; micro-bursts, 73% empty seconds',
    license: 'CC-BY-4.0 (cite Splitwise, ISCA 2024)',
  },
  {
    id: 'azure-conv-per-second',
    path: 'sim/traces/azure-llm-inference-2023/azure_llm_2023_conv_requests_per_second.csv',
    timeZone: 'UTC',
    outageWindows: [],
    description: 'Azure LLM inference, conversation service, requests per second over one hour of 2023-11-16; smooth, near Poisson',
    license: 'CC-BY-4.0 (cite Splitwise, ISCA 2024)',
  },
  {
    id: 'azure-code-arrivals',
    path: 'sim/traces/azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv',
    timeZone: 'UTC',
    outageWindows: [],
    description: 'Azure LLM inference, code service, one row per request (100 ns timestamps); counted into any bucket',
    license: 'CC-BY-4.0 (cite Splitwise, ISCA 2024)',
  },
];

const repositoryRoot = fileURLToPath(new URL('../../../', import.meta.url));

export function findShippedTrace(id: string): ShippedTrace {
  const trace = SHIPPED_TRACES.find((candidate) => candidate.id === id);
  if (trace === undefined) {
    throw new InputError(`unknown trace "${id}"; shipped traces: ${SHIPPED_TRACES.map((known) => known.id).join(', ')}`, { field: 'trace' });
  }
  return trace;
}

/** Absolute path of a shipped trace file. */
export function shippedTracePath(id: string): string {
  return repositoryRoot + findShippedTrace(id).path;
}

/** Reads a shipped trace with its zone and known outages; `options` may add a bucket or override. */
export function readShippedTrace(id: string, options: TraceReadOptions = {}): Promise<TraceReadResult> {
  const trace = findShippedTrace(id);
  return readTraceFile(repositoryRoot + trace.path, {
    timeZone: trace.timeZone,
    outageWindows: trace.outageWindows,
    ...options,
  });
}
