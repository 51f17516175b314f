/**
 * Reads real traffic traces (CSV) into a regular requests/s series, and says what it did to them.
 *
 * The layout is detected from the first lines (csv-layout.ts): delimiter (`,` `;` tab), header or
 * none, the time column by its content (ISO 8601 with or without offset, `YYYY-MM-DD HH:MM:SS`,
 * epoch seconds or ms) and the value column; the caller may fix any of them. Files written newest
 * first are read in reverse. Three formats:
 * - `timestamp,value` (NAB): the amount counted in each bucket;
 * - `timestamp,requests[,…]` (NASA per minute, Azure per second): requests per bucket;
 * - per-request arrivals (Azure `TIMESTAMP,ContextTokens,GeneratedTokens`): one row per request.
 * Counts are divided by the bucket's seconds, so every series comes out as a rate (requests/s).
 *
 * Cleaning, each step counted in the report:
 * - Gaps: buckets with no row are NaN, never zero.
 * - Time zones and DST: naive timestamps are wall-clock time in `timeZone` (default UTC). A row in a
 *   spring-forward gap (a time that never happened) is dropped. In a fall-back overlap the first
 *   reading of a wall time is the earlier instant and a repeat of it the later one; when a file
 *   shows the overlap only once although it continues after it (the aggregator folded two real
 *   hours into one wall-clock hour, as NAB's nyc_taxi did on 2014-11-02), each folded row's count
 *   is split evenly between the two instants.
 * - Duplicates: rows landing in the same bucket with the same value are dropped; with different
 *   values the read fails (default), or they are summed / the last one kept, as the caller asks.
 * - Timestamps going backwards (beyond a DST repeat) fail the read.
 * - Outages: explicit windows, and (default on) long zero runs in a series that is rarely zero whose
 *   neighbourhood makes them implausible as demand (outages.ts), become NaN.
 * - Resampling: time-weighted mean rate into `bucketMs` buckets aligned to the epoch (resample.ts);
 *   finer buckets than the file's step are refused rather than invented.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../domain/errors.ts';
import type { RegularSeries } from '../../domain/series.ts';
import { formatDurationMs } from '../../domain/units.ts';
import { detectLayout, type CsvLayout, type LayoutDetection, type SampleLine, type TraceFormat } from './csv-layout.ts';
import { describeDelimiter, parseNumber, parseTimeIn, unquote } from './csv-fields.ts';
import { detectOutages } from './outages.ts';
import { resampleMeanRate } from './resample.ts';
import { formatWallMs } from './timestamp.ts';
import { ZoneOffsets } from './zone-offsets.ts';

export interface TraceReadOptions {
  /** Resample to this bucket (time-weighted mean rate). Default: the file's native step (1 s for arrivals). */
  bucketMs?: number;
  /** IANA zone of naive timestamps. @defaultValue 'UTC' */
  timeZone?: string;
  /** Column holding the value: a header name or a column number from 1. Default: detected (csv-layout.ts). */
  valueColumn?: string;
  /** Column holding the time: a header name or a column number from 1. Default: detected by content. */
  timeColumn?: string;
  /** `,` `;` or tab (`comma`, `semicolon`, `tab`). Default: detected. */
  delimiter?: string;
  /** `iso` | `epoch-s` | `epoch-ms`. Default: detected from the time column's content. */
  timeFormat?: string;
  /** Explicit outages (epoch ms, end exclusive): their buckets become NaN. */
  outageWindows?: { startMs: number; endMs: number }[];
  /** Long zero runs in a series that is rarely zero become NaN. @defaultValue true */
  detectOutages?: boolean;
  /** The value column already holds a per-second rate (e.g. a PromQL `rate()` export): not divided. @defaultValue false */
  valuesAreRates?: boolean;
  /** Rows in the same bucket with different values: fail, add them up, or keep the last. @defaultValue 'error' */
  onConflictingDuplicate?: 'error' | 'sum' | 'keep-last';
}

/** What the reader decided about the file's layout, and how naive times were placed in time. */
export interface TraceLayoutReport extends LayoutDetection {
  timeZone: string;
}

export interface TraceCleaningReport {
  source: string;
  format: TraceFormat;
  layout: TraceLayoutReport;
  /** Data rows in the file (blank lines excluded, rows later dropped included). */
  rows: number;
  /** Step of the file (for arrivals: the counting bucket). */
  nativeStepMs: number;
  /** Step of the returned series. */
  bucketMs: number;
  /** NaN buckets of the returned series caused by missing rows. */
  gapBuckets: number;
  /** Rows dropped or merged because another row fell into the same bucket. */
  duplicateTimestamps: number;
  /** NaN buckets of the returned series caused by outages (explicit or detected). */
  outageBuckets: number;
  /** Rows moved, split or dropped by daylight-saving rules. */
  dstAdjustments: number;
  /** What was done, in words. */
  notes: string[];
}

export interface TraceReadResult {
  series: RegularSeries;
  report: TraceCleaningReport;
}

/** Stop listing row problems after this many; the first ones are enough to fix the file. */
const MAX_LISTED_PROBLEMS = 20;
/** Guard against a typo'd year turning a trace into a billion-bucket array. */
const MAX_BUCKETS = 20_000_000;
const SERIES_UNIT = 'requests/s';
/** Lines read to detect the layout. */
const SAMPLE_LINES = 50;

interface Rows {
  /** UTC instants, non-decreasing. */
  timesMs: Float64Array;
  values: Float64Array;
  lineNumbers: Int32Array;
  count: number;
  /** Data rows in the file, including any dropped (nonexistent local times). */
  rowsRead: number;
  /** How naive times were read, in words (the report's layout.timeZone). */
  timeZoneNote: string;
  /** Rows read at the first instant of an ambiguous wall time, with the second instant. */
  foldCandidates: { row: number; laterMs: number }[];
  dstAdjustments: number;
}

export async function readTraceFile(path: string, options: TraceReadOptions = {}): Promise<TraceReadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InputError(`cannot read trace file: ${reason}`, { source: path });
  }
  return parseTraceText(text, path, options);
}

export function parseTraceText(text: string, source: string, options: TraceReadOptions = {}): TraceReadResult {
  const zone = checkOptions(source, options);
  const lines = text.split('\n');
  if (lines[0] !== undefined) lines[0] = lines[0].replace(/^\uFEFF/, '');
  const sample: SampleLine[] = [];
  for (let index = 0; index < lines.length && sample.length < SAMPLE_LINES; index++) {
    const line = lines[index] as string;
    if (!isBlank(line)) sample.push({ text: stripLineEnd(line), line: index + 1 });
  }
  if (sample.length === 0) throw new InputError('empty file: expected a header line and data rows', { source, line: 1 });
  const layout = detectLayout({
    sample,
    source,
    hints: {
      ...(options.valueColumn !== undefined ? { valueColumn: options.valueColumn } : {}),
      ...(options.timeColumn !== undefined ? { timeColumn: options.timeColumn } : {}),
      ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
      ...(options.timeFormat !== undefined ? { timeFormat: options.timeFormat } : {}),
    },
  });
  const firstLineIndex = (sample[0] as SampleLine).line - 1;
  const firstDataIndex = layout.hasHeader ? firstLineIndex + 1 : firstLineIndex;
  const notes: string[] = [`format ${layout.format}: ${layout.reason}`];
  if (layout.newestFirst) notes.push('rows run newest first: read in reverse');
  const rows = readRows({ lines, firstDataIndex, layout, source, zone, notes });
  const context: SeriesContext = { source, layout, layoutReport: { ...layout.detected, timeZone: rows.timeZoneNote }, options, notes };
  return layout.format === 'per-request-arrivals'
    ? arrivalsToSeries(rows, context)
    : bucketsToSeries(rows, context);
}

function checkOptions(source: string, options: TraceReadOptions): ZoneOffsets {
  const { bucketMs } = options;
  if (bucketMs !== undefined && (!Number.isInteger(bucketMs) || bucketMs <= 0)) {
    throw new InputError(`bucket must be a positive whole number of milliseconds, got ${bucketMs}`, { source, field: 'bucketMs' });
  }
  for (const [index, window] of (options.outageWindows ?? []).entries()) {
    if (!Number.isFinite(window.startMs) || !Number.isFinite(window.endMs) || window.endMs <= window.startMs) {
      throw new InputError(`outage window must have finite startMs < endMs, got ${window.startMs}..${window.endMs}`, {
        source, field: `outageWindows[${index}]`,
      });
    }
  }
  const timeZone = options.timeZone ?? 'UTC';
  try {
    return new ZoneOffsets(timeZone);
  } catch {
    throw new InputError(`unknown time zone "${timeZone}"; expected an IANA name such as America/New_York`, { source, field: 'timeZone' });
  }
}

function isBlank(line: string): boolean {
  return line.length === 0 || line.trim().length === 0;
}

function stripLineEnd(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}

const TIME_EXAMPLES = {
  'iso': 'a date such as 2015-01-31 23:30:00 or 2015-01-31T23:30:00+08:00',
  'epoch-s': 'epoch seconds',
  'epoch-ms': 'epoch milliseconds',
} as const;

/** Parses every data row (in reverse for newest-first files), converts naive times with the zone, and checks the order. */
function readRows(input: {
  lines: string[];
  firstDataIndex: number;
  layout: CsvLayout;
  source: string;
  zone: ZoneOffsets;
  notes: string[];
}): Rows {
  const { lines, firstDataIndex, layout, source, zone, notes } = input;
  const capacity = lines.length - firstDataIndex;
  const timesMs = new Float64Array(capacity);
  const values = new Float64Array(capacity);
  const lineNumbers = new Int32Array(capacity);
  const foldCandidates: Rows['foldCandidates'] = [];
  const problems: { message: string; line: number; field: string }[] = [];
  const expectedFields = layout.columns.length;
  const { delimiter, timeFormat, decimalComma } = layout;
  const timestampName = layout.columns[layout.timestampColumn] as string;
  const valueName = layout.valueColumn >= 0 ? layout.columns[layout.valueColumn] as string : '';
  const isArrivals = layout.format === 'per-request-arrivals';
  let count = 0;
  let naiveKind: boolean | undefined;
  let previousMs = Number.NEGATIVE_INFINITY;
  let previousLine = 0;
  let blankLines = 0;
  let dstAdjustments = 0;
  let secondOccurrences = 0;
  const nonexistent: string[] = [];

  const dataLines = lines.length - firstDataIndex;
  for (let step = 0; step < dataLines && problems.length < MAX_LISTED_PROBLEMS; step++) {
    const index = layout.newestFirst ? lines.length - 1 - step : firstDataIndex + step;
    const raw = lines[index] as string;
    if (isBlank(raw)) {
      // The newline ending the last row leaves one empty string behind; that is not a blank line.
      if (index !== lines.length - 1) blankLines++;
      continue;
    }
    const line = index + 1;
    const fields = stripLineEnd(raw).split(delimiter);
    if (fields.length !== expectedFields) {
      problems.push({ message: `malformed line: expected ${expectedFields} ${describeDelimiter(delimiter)}-separated fields (${layout.columns.join(',')}), got ${fields.length}: "${raw.slice(0, 80)}"`, line, field: 'row' });
      continue;
    }
    const timestampText = unquote(fields[layout.timestampColumn] as string);
    const parsed = parseTimeIn(timestampText, timeFormat);
    if (parsed === undefined) {
      problems.push({ message: `"${timestampText}" is not a timestamp; expected ${TIME_EXAMPLES[timeFormat]} like the rest of the column`, line, field: timestampName });
      continue;
    }
    if (naiveKind === undefined) naiveKind = parsed.naive;
    else if (naiveKind !== parsed.naive) {
      problems.push({ message: 'timestamps mix zone-less and zoned (Z, offset or epoch) forms; use one form for the whole file', line, field: timestampName });
      continue;
    }
    let value = 1;
    if (!isArrivals) {
      const valueText = unquote(fields[layout.valueColumn] as string);
      value = parseNumber(valueText, decimalComma);
      if (!Number.isFinite(value) || value < 0) {
        problems.push({ message: `value "${valueText}" must be a finite number ≥ 0`, line, field: valueName });
        continue;
      }
    }

    let timeMs = parsed.ms;
    if (parsed.naive && !zone.isUtc) {
      const instants = zone.instantsOf(parsed.ms);
      if (instants.length === 0) {
        dstAdjustments++;
        nonexistent.push(`line ${line} (${timestampText}, value ${value})`);
        continue;
      }
      // The first reading of an ambiguous wall time is its earlier instant; reading it again
      // (or a wall time before the last one) inside the overlap means the clocks went back.
      timeMs = instants.find((instantMs) => instantMs > previousMs) ?? instants[instants.length - 1] as number;
      if (instants.length === 2) {
        if (timeMs === instants[1]) {
          dstAdjustments++;
          secondOccurrences++;
        } else if (!isArrivals) {
          foldCandidates.push({ row: count, laterMs: instants[1] as number });
        }
      }
    }
    if (timeMs < previousMs) {
      const hint = parsed.naive && zone.isUtc
        ? ' (if the file is in local time and this is a daylight-saving fall-back, give its time zone)'
        : '';
      problems.push({
        message: `timestamp ${timestampText} goes back before the previous row's (line ${previousLine})${hint}; rows must be in time order`,
        line, field: timestampName,
      });
      continue;
    }
    timesMs[count] = timeMs;
    values[count] = value;
    lineNumbers[count] = line;
    count++;
    previousMs = timeMs;
    previousLine = line;
  }

  if (problems.length > 0) {
    const [first, ...rest] = problems as [typeof problems[number], ...typeof problems];
    throw new InputError(first.message, { source, line: first.line, field: first.field },
      rest.map((problem) => `line ${problem.line}, field ${problem.field}: ${problem.message}`));
  }
  if (count === 0) throw new InputError('no data rows left after dropping nonexistent local times', { source });
  if (blankLines > 0) notes.push(`${blankLines} blank line(s) skipped`);
  const timeZoneNote = naiveKind === false
    ? `none needed: the times carry their own zone (${timeFormat === 'iso' ? 'Z or an offset' : 'epoch numbers are UTC'}); the time zone setting is not used`
    : zone.isUtc
      ? 'naive times (no offset) read as UTC (the default; give the time zone of the file if it is local time)'
      : `naive times (no offset) read as wall-clock time in ${zone.timeZone}`;
  notes.push(timeZoneNote);
  if (nonexistent.length > 0) {
    notes.push(`${nonexistent.length} row(s) at local times that never happened (spring-forward gap in ${zone.timeZone}) dropped: ${listSome(nonexistent)}`);
  }
  if (secondOccurrences > 0) {
    notes.push(`${secondOccurrences} row(s) in a repeated fall-back hour read as its second occurrence (standard time)`);
  }
  return { timesMs, values, lineNumbers, count, rowsRead: count + nonexistent.length, timeZoneNote, foldCandidates, dstAdjustments };
}

function listSome(items: string[], limit = 5): string {
  return items.length <= limit ? items.join('; ') : `${items.slice(0, limit).join('; ')}; and ${items.length - limit} more`;
}

interface SeriesContext {
  source: string;
  layout: CsvLayout;
  layoutReport: TraceLayoutReport;
  options: TraceReadOptions;
  notes: string[];
}

/**
 * The file's bucket: among the most frequent spacings between rows and their greatest common
 * divisor, the step whose grid (from the first row) holds the most rows within a tenth of a step;
 * ties go to the more frequent spacing. The most frequent spacing alone fails on sparse files (rows at
 * minutes 0, 2, 3, 6, 9 are a 1-minute file with gaps, not a 3-minute one) and on jitter.
 */
function nativeStepOf(rows: Rows): { stepMs: number; onGridShare: number } {
  const frequency = new Map<number, number>();
  let divisor = 0;
  for (let index = 1; index < rows.count; index++) {
    const deltaMs = Math.round((rows.timesMs[index] as number) - (rows.timesMs[index - 1] as number));
    if (deltaMs <= 0) continue;
    frequency.set(deltaMs, (frequency.get(deltaMs) ?? 0) + 1);
    divisor = greatestCommonDivisor(divisor, deltaMs);
  }
  if (frequency.size === 0) return { stepMs: 0, onGridShare: 0 };
  const candidates = [...frequency.entries()]
    .sort((a, b) => b[1] - a[1] || a[0] - b[0])
    .slice(0, 5)
    .map(([deltaMs]) => deltaMs);
  if (!candidates.includes(divisor)) candidates.push(divisor);
  const startMs = rows.timesMs[0] as number;
  let best = { stepMs: 0, onGrid: -1 };
  for (const stepMs of candidates) {
    const toleranceMs = stepMs / 10;
    let onGrid = 0;
    for (let index = 0; index < rows.count; index++) {
      const offsetMs = (rows.timesMs[index] as number) - startMs;
      if (Math.abs(offsetMs - Math.round(offsetMs / stepMs) * stepMs) <= toleranceMs) onGrid++;
    }
    if (onGrid > best.onGrid) best = { stepMs, onGrid };
  }
  return { stepMs: best.stepMs, onGridShare: best.onGrid / rows.count };
}

function greatestCommonDivisor(a: number, b: number): number {
  let [x, y] = [a, b];
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

function bucketsToSeries(rows: Rows, context: SeriesContext): TraceReadResult {
  const { source, layout, options, notes } = context;
  const native = nativeStepOf(rows);
  let stepMs = native.stepMs;
  if (stepMs === 0) {
    if (options.bucketMs === undefined) {
      throw new InputError('cannot infer the step from a single timestamp; give the bucket size', { source, line: rows.lineNumbers[0] });
    }
    stepMs = options.bucketMs;
  } else if (native.onGridShare < 0.9) {
    notes.push(`irregular spacing: only ${(native.onGridShare * 100).toFixed(0)}% of rows sit on the ${formatDurationMs(stepMs)} grid`);
  }
  const startMs = rows.timesMs[0] as number;
  const lastMs = rows.timesMs[rows.count - 1] as number;
  const length = Math.round((lastMs - startMs) / stepMs) + 1;
  if (length > MAX_BUCKETS) {
    throw new InputError(`the trace spans ${length} buckets of ${formatDurationMs(stepMs)} (more than ${MAX_BUCKETS}); check the timestamps`, { source });
  }

  const counts = new Float64Array(length).fill(Number.NaN);
  const rowOfBucket = new Int32Array(length).fill(-1);
  const policy = options.onConflictingDuplicate ?? 'error';
  let duplicates = 0;
  let conflicting = 0;
  let offGrid = 0;
  for (let row = 0; row < rows.count; row++) {
    const timeMs = rows.timesMs[row] as number;
    const bucket = Math.round((timeMs - startMs) / stepMs);
    if (timeMs !== startMs + bucket * stepMs) offGrid++;
    const value = rows.values[row] as number;
    const existing = counts[bucket] as number;
    if (Number.isNaN(existing)) {
      counts[bucket] = value;
      rowOfBucket[bucket] = row;
      continue;
    }
    duplicates++;
    if (existing === value) continue;
    conflicting++;
    const firstLine = rows.lineNumbers[rowOfBucket[bucket] as number] as number;
    if (policy === 'error') {
      throw new InputError(
        `duplicate timestamp: line ${firstLine} and this line fall into the bucket at ${formatWallMs(startMs + bucket * stepMs)} UTC with different values (${existing} vs ${value}); fix the file or choose sum / keep-last`,
        { source, line: rows.lineNumbers[row] as number, field: layout.columns[layout.timestampColumn] as string },
      );
    }
    counts[bucket] = policy === 'sum' ? existing + value : value;
  }
  if (duplicates > 0) {
    notes.push(`${duplicates} row(s) fell into an already filled bucket: ${duplicates - conflicting} identical (dropped)${conflicting > 0 ? `, ${conflicting} different (${policy === 'sum' ? 'summed' : 'last kept'})` : ''}`);
  }
  if (offGrid > 0) notes.push(`${offGrid} row(s) off the ${formatDurationMs(stepMs)} grid, snapped to the nearest bucket`);

  let dstAdjustments = rows.dstAdjustments;
  const folded: string[] = [];
  for (const candidate of rows.foldCandidates) {
    const earlyBucket = Math.round(((rows.timesMs[candidate.row] as number) - startMs) / stepMs);
    const lateBucket = Math.round((candidate.laterMs - startMs) / stepMs);
    // Only a fold when the file goes on past the second occurrence but never wrote it.
    if (lateBucket >= length || !Number.isNaN(counts[lateBucket] as number)) continue;
    const value = counts[earlyBucket] as number;
    const share = options.valuesAreRates ? value : value / 2;
    counts[earlyBucket] = share;
    counts[lateBucket] = share;
    dstAdjustments++;
    folded.push(`line ${rows.lineNumbers[candidate.row]}`);
  }
  if (folded.length > 0) {
    notes.push(`${folded.length} row(s) in a fall-back hour written once although two real hours passed: each ${options.valuesAreRates ? 'rate copied' : 'count split evenly'} over both (${listSome(folded)})`);
  }

  const gapsAtNative = countNaN(counts);
  if (gapsAtNative > 0) notes.push(`${gapsAtNative} bucket(s) of ${formatDurationMs(stepMs)} have no row: left as NaN (gaps, not zeros)`);

  const secondsPerBucket = stepMs / 1000;
  // Outage detection reasons in arrivals per bucket, whatever the file's unit.
  const arrivals = options.valuesAreRates ? counts.map((rate) => rate * secondsPerBucket) : counts;
  const outageMask = markOutages(arrivals, { startMs, stepMs, options, notes });
  const rates = new Float64Array(length);
  for (let bucket = 0; bucket < length; bucket++) {
    const value = counts[bucket] as number;
    rates[bucket] = outageMask[bucket] === 1 ? Number.NaN : options.valuesAreRates ? value : value / secondsPerBucket;
  }
  if (!options.valuesAreRates) {
    notes.push(`values are counts per ${formatDurationMs(stepMs)} bucket, divided by ${secondsPerBucket} s to give requests/s`);
  }
  return finish({ startMs, stepMs, rates, outageMask }, {
    context, rowCount: rows.rowsRead, nativeStepMs: stepMs, duplicates, dstAdjustments,
  });
}

function arrivalsToSeries(rows: Rows, context: SeriesContext): TraceReadResult {
  const { source, options, notes } = context;
  const bucketMs = options.bucketMs ?? 1000;
  const firstMs = rows.timesMs[0] as number;
  const startMs = Math.floor(firstMs / bucketMs) * bucketMs;
  const length = Math.floor(((rows.timesMs[rows.count - 1] as number) - startMs) / bucketMs) + 1;
  if (length > MAX_BUCKETS) {
    throw new InputError(`the arrivals span ${length} buckets of ${formatDurationMs(bucketMs)} (more than ${MAX_BUCKETS}); check the timestamps or use a larger bucket`, { source });
  }
  const counts = new Float64Array(length);
  for (let row = 0; row < rows.count; row++) {
    const bucket = Math.floor(((rows.timesMs[row] as number) - startMs) / bucketMs);
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  notes.push(`${rows.count} arrivals counted into ${formatDurationMs(bucketMs)} buckets (empty buckets are 0: no request arrived)`);
  const outageMask = markOutages(counts, { startMs, stepMs: bucketMs, options, notes });
  const seconds = bucketMs / 1000;
  const rates = counts.map((count, bucket) => (outageMask[bucket] === 1 ? Number.NaN : count / seconds));
  return finish({ startMs, stepMs: bucketMs, rates, outageMask }, {
    context, rowCount: rows.rowsRead, nativeStepMs: bucketMs, duplicates: 0, dstAdjustments: rows.dstAdjustments,
  });
}

/** Marks explicit and detected outages; returns a mask (1 = outage) over the native buckets. */
function markOutages(arrivals: Float64Array, input: {
  startMs: number;
  stepMs: number;
  options: TraceReadOptions;
  notes: string[];
}): Uint8Array {
  const { startMs, stepMs, options, notes } = input;
  const mask = new Uint8Array(arrivals.length);
  let explicit = 0;
  for (const window of options.outageWindows ?? []) {
    const from = Math.max(0, Math.floor((window.startMs - startMs) / stepMs));
    const to = Math.min(arrivals.length, Math.ceil((window.endMs - startMs) / stepMs));
    for (let bucket = from; bucket < to; bucket++) {
      if (mask[bucket] === 0) explicit++;
      mask[bucket] = 1;
    }
  }
  if (explicit > 0) notes.push(`${explicit} bucket(s) inside the given outage windows set to NaN`);
  if (options.detectOutages === false) return mask;

  // Buckets already inside a given window are not evidence of anything: hide them from detection.
  const unexplained = explicit > 0 ? arrivals.map((count, bucket) => (mask[bucket] === 1 ? Number.NaN : count)) : arrivals;
  const detection = detectOutages(unexplained);
  if (!detection.applied) {
    notes.push(`outage detection off: zero stretches are common (${detection.zeroRunsPerBusyBucket.toFixed(2)} per non-zero bucket), so zeros are read as demand`);
    return mask;
  }
  const described: string[] = [];
  for (const run of detection.runs) {
    mask.fill(1, run.startIndex, run.startIndex + run.length);
    const fromMs = startMs + run.startIndex * stepMs;
    described.push(`${formatWallMs(fromMs)} → ${formatWallMs(fromMs + run.length * stepMs)} UTC (${formatDurationMs(run.length * stepMs)}, ~${Math.round(run.expectedCount)} expected)`);
  }
  if (described.length > 0) {
    notes.push(`${described.length} zero run(s) read as outages (zeros where the neighbourhood predicts ≥14 arrivals; NaN): ${listSome(described, 8)}`);
  }
  return mask;
}

function countNaN(values: Float64Array): number {
  let count = 0;
  for (const value of values) if (Number.isNaN(value)) count++;
  return count;
}

function finish(
  native: { startMs: number; stepMs: number; rates: Float64Array; outageMask: Uint8Array },
  input: { context: SeriesContext; rowCount: number; nativeStepMs: number; duplicates: number; dstAdjustments: number },
): TraceReadResult {
  const { context } = input;
  const { source, layout, options, notes } = context;
  let output = native;
  const bucketMs = options.bucketMs ?? native.stepMs;
  if (bucketMs !== native.stepMs) {
    if (bucketMs < native.stepMs) {
      throw new InputError(
        `bucket ${formatDurationMs(bucketMs)} is finer than the file's step ${formatDurationMs(native.stepMs)}; refusing to invent data`,
        { source, field: 'bucketMs' },
      );
    }
    output = resampleMeanRate(native, bucketMs);
    notes.push(`resampled from ${formatDurationMs(native.stepMs)} to ${formatDurationMs(bucketMs)} buckets (time-weighted mean rate, epoch-aligned; NaN where under half the bucket is observed)`);
  }
  let gapBuckets = 0;
  let outageBuckets = 0;
  for (let bucket = 0; bucket < output.rates.length; bucket++) {
    if (!Number.isNaN(output.rates[bucket] as number)) continue;
    if (output.outageMask[bucket] === 1) outageBuckets++;
    else gapBuckets++;
  }
  return {
    series: { startMs: output.startMs, stepMs: output.stepMs, values: output.rates, unit: SERIES_UNIT },
    report: {
      source,
      format: layout.format,
      layout: context.layoutReport,
      rows: input.rowCount,
      nativeStepMs: input.nativeStepMs,
      bucketMs: output.stepMs,
      gapBuckets,
      duplicateTimestamps: input.duplicates,
      outageBuckets,
      dstAdjustments: input.dstAdjustments,
      notes,
    },
  };
}
