/**
 * The layout of a trace CSV, read from its first lines: the delimiter, whether the first line is a
 * header, which column holds the time (found by content: ISO 8601 with or without offset,
 * `YYYY-MM-DD HH:MM:SS`, epoch seconds or milliseconds) and which the value, and which of the three
 * trace formats the file is. The caller may fix any of these (CLI flags, config and scenario
 * fields); what it fixes is not guessed. When the sample leaves a choice open, the error lists the
 * columns seen with a sample value each and names the flag that settles it.
 */
import { InputError } from '../../domain/errors.ts';
import {
  DELIMITERS, describeDelimiter, describeTimeFormat, looksLikeDecimalComma, parseDelimiterName, parseNumber,
  parseTimeIn, splitFields, TIME_FORMATS, type Delimiter, type TimeFormat,
} from './csv-fields.ts';

export type TraceFormat = 'value-per-bucket' | 'count-per-bucket' | 'per-request-arrivals';

/** What the caller fixes instead of detection. Columns are header names or 1-based numbers. */
export interface TraceLayoutHints {
  /** `,` `;` or tab (also `comma`, `semicolon`, `tab`). */
  delimiter?: string;
  timeColumn?: string;
  valueColumn?: string;
  /** `iso` | `epoch-s` | `epoch-ms`. */
  timeFormat?: string;
}

/** How each part of the layout was decided, in words (`trace inspect` prints these). */
export interface LayoutDetection {
  delimiter: string;
  header: string;
  timeColumn: string;
  timeFormat: string;
  valueColumn: string;
}

export interface CsvLayout {
  format: TraceFormat;
  delimiter: Delimiter;
  hasHeader: boolean;
  /** Header names, or `column 1`, `column 2`, … without a header. */
  columns: string[];
  timestampColumn: number;
  timeFormat: TimeFormat;
  /** Index of the value column; -1 for per-request arrivals (each row is one request). */
  valueColumn: number;
  /** Values such as `12,5` are read as 12.5 (only with a `;` or tab delimiter). */
  decimalComma: boolean;
  /** The rows run from the newest to the oldest; the reader takes them in reverse. */
  newestFirst: boolean;
  /** Why this format was chosen, for the cleaning report. */
  reason: string;
  detected: LayoutDetection;
}

export interface SampleLine {
  text: string;
  /** 1-based line number in the file. */
  line: number;
}

/** Header names that say "this is the time" when content alone leaves a choice. */
const TIME_NAMES = new Set(['timestamp', 'time', 'ts', 'datetime', 'date', 'time_stamp', 'period', 'ds', 'epoch', 'interval_start']);
const VALUE_NAMES = new Set(['value', 'y']);
const COUNT_NAMES = new Set(['requests', 'count', 'hits', 'requests_per_bucket']);
/** Columns of per-request records (Azure LLM traces): a row is one arrival, these are its attributes. */
const PER_REQUEST_NAMES = new Set(['contexttokens', 'generatedtokens', 'context_tokens_per_request', 'latency', 'duration']);
/** Share of sampled values a column must parse to count as the time column (the rest are row errors later). */
const TIME_SHARE = 0.8;
/** Epoch values outside these ranges (1973–2286 in seconds, 1973–2286 in ms) are not taken as times by content alone. */
const EPOCH_S_RANGE = [1e8, 1e10] as const;
const EPOCH_MS_RANGE = [1e11, 1e13] as const;
/** What settles an open choice, for the CLI and for config and scenario trace entries alike. */
const TIME_FLAG_HELP = 'choose one with --time-column <header name or column number from 1> (in a config or scenario trace entry: timeColumn), and --time-format iso|epoch-s|epoch-ms if needed';
const VALUE_FLAG_HELP = 'choose one with --value-column <header name or column number from 1> (in a config or scenario trace entry: column)';

interface Sampled {
  delimiter: Delimiter;
  delimiterNote: string;
  rows: string[][];
}

export function detectLayout(input: { sample: readonly SampleLine[]; source: string; hints?: TraceLayoutHints }): CsvLayout {
  const { sample, source } = input;
  const hints = input.hints ?? {};
  const first = sample[0];
  if (first === undefined) throw new InputError('empty file: expected a header line and data rows', { source, line: 1 });
  const at = (field: string): { source: string; line: number; field: string } => ({ source, line: first.line, field });
  const timeFormatHint = checkTimeFormatHint(hints.timeFormat, source);
  const { delimiter, delimiterNote, rows } = sampleRows(sample, hints.delimiter, source);
  const hasHeader = decideHeader(rows, delimiter, hints);
  const columns = hasHeader ? checkedHeader(rows[0] as string[], first.text, at('header')) : (rows[0] as string[]).map((_, i) => `column ${i + 1}`);
  const data = rows.slice(hasHeader ? 1 : 0).filter((row) => row.length === columns.length);
  if (data.length === 0) {
    const next = sample[1];
    if (next === undefined) throw new InputError('header only: the file has no data rows', { source, line: first.line });
    throw new InputError(`malformed line: expected ${columns.length} ${describeDelimiter(delimiter)}-separated fields (${columns.join(',')}), got ${(rows[1] ?? []).length}: "${next.text.slice(0, 80)}"`, { source, line: next.line, field: 'row' });
  }
  const view: ColumnsView = { columns, data, hasHeader, delimiter };
  const time = chooseTimeColumn(view, hints.timeColumn, timeFormatHint, at);
  const value = chooseValueColumn(view, time.index, hints.valueColumn, at);
  const decimalComma = delimiter !== ',' && value.index >= 0 && data.some((row) => looksLikeDecimalComma(row[value.index] as string));
  return {
    format: value.format,
    delimiter,
    hasHeader,
    columns,
    timestampColumn: time.index,
    timeFormat: time.format,
    valueColumn: value.index,
    decimalComma,
    newestFirst: time.newestFirst,
    reason: value.reason,
    detected: {
      delimiter: `${describeDelimiter(delimiter)} (${delimiterNote})`,
      header: hasHeader
        ? `yes: line ${first.line} names the columns (${columns.map((name) => `"${name}"`).join(', ')})`
        : 'no: the first line is data; columns are numbered from 1',
      timeColumn: `${columnLabel(view, time.index)} (${time.how})`,
      timeFormat: `${describeTimeFormat(time.format, time.example)} (${timeFormatHint !== undefined ? 'given' : 'detected'})${time.newestFirst ? '; rows run newest first and are read in reverse' : ''}`,
      valueColumn: value.index < 0 ? `none: ${value.reason}` : `${columnLabel(view, value.index)} (${value.how})${decimalComma ? '; decimal commas read as points' : ''}`,
    },
  };
}

interface ColumnsView {
  columns: string[];
  data: string[][];
  hasHeader: boolean;
  delimiter: Delimiter;
}

function checkTimeFormatHint(hint: string | undefined, source: string): TimeFormat | undefined {
  if (hint === undefined) return undefined;
  const format = TIME_FORMATS.find((name) => name === hint.trim().toLowerCase());
  if (format === undefined) throw new InputError(`time format "${hint}" is not one of ${TIME_FORMATS.join(', ')}`, { source, field: 'timeFormat' });
  return format;
}

/**
 * The delimiter: the given one, else the first of tab, `;` and `,` that splits nine in ten sampled
 * lines into the same number (≥ 2) of fields. Tab and `;` go first because a `,` inside their
 * fields is a decimal comma, while a `;` in a comma file is rare. No such delimiter: one column.
 */
function sampleRows(sample: readonly SampleLine[], hint: string | undefined, source: string): Sampled {
  if (hint !== undefined) {
    const delimiter = parseDelimiterName(hint);
    if (delimiter === undefined) throw new InputError(`delimiter "${hint}" is not one of ",", ";", tab (or comma, semicolon, tab)`, { source, field: 'delimiter' });
    return { delimiter, delimiterNote: 'given', rows: sample.map((line) => splitFields(line.text, delimiter)) };
  }
  const ranked = [...DELIMITERS].reverse().map((delimiter) => {
    const counts = sample.map((line) => line.text.split(delimiter).length);
    const frequency = new Map<number, number>();
    for (const count of counts) frequency.set(count, (frequency.get(count) ?? 0) + 1);
    // Ties go to the first line's count: a header and one malformed row are still a header.
    const [fields, times] = [...frequency.entries()].sort((a, b) => b[1] - a[1] || Number(b[0] === counts[0]) - Number(a[0] === counts[0]))[0] as [number, number];
    return { delimiter, fields, share: times / counts.length };
  }).filter((candidate) => candidate.fields >= 2);
  const chosen = ranked.find((candidate) => candidate.share >= 0.9) ?? ranked.sort((a, b) => b.share - a.share)[0];
  const delimiter = chosen?.delimiter ?? ',';
  const delimiterNote = chosen === undefined
    ? 'detected: no delimiter splits the lines, so the file has one column'
    : `detected: ${(chosen.share * 100).toFixed(0)}% of the first ${sample.length} lines split into ${chosen.fields} fields`;
  return { delimiter, delimiterNote, rows: sample.map((line) => splitFields(line.text, delimiter)) };
}

type FieldKind = 'empty' | 'number' | 'time' | 'text';

function kindOf(text: string, delimiter: Delimiter): FieldKind {
  if (text === '') return 'empty';
  if (Number.isFinite(parseNumber(text, delimiter !== ','))) return 'number';
  return parseTimeIn(text, 'iso') !== undefined ? 'time' : 'text';
}

/**
 * The first line is a header when one of its fields is text (neither a number nor a time) in a
 * column whose other sampled values are mostly numbers or times, or when a column named by the
 * caller is one of its fields. With no other line to compare (one line, or only malformed ones),
 * it is a header when any field is text.
 */
function decideHeader(rows: string[][], delimiter: Delimiter, hints: TraceLayoutHints): boolean {
  const [first, ...rest] = rows as [string[], ...string[][]];
  const named = [hints.timeColumn, hints.valueColumn].filter((hint): hint is string => hint !== undefined && !/^\d+$/.test(hint.trim()));
  if (named.some((hint) => first.some((field) => field.toLowerCase() === hint.trim().toLowerCase()))) return true;
  const comparable = rest.filter((row) => row.length === first.length);
  if (comparable.length === 0) return first.some((field) => kindOf(field, delimiter) === 'text');
  return first.some((field, column) => {
    if (kindOf(field, delimiter) !== 'text') return false;
    const below = comparable.map((row) => kindOf(row[column] as string, delimiter));
    return below.filter((kind) => kind === 'number' || kind === 'time').length > 0.5 * below.length;
  });
}

function checkedHeader(names: string[], headerText: string, location: { source: string; line: number; field: string }): string[] {
  const seen = new Set<string>();
  for (const name of names.map((field) => field.toLowerCase())) {
    if (name === '') throw new InputError(`header has an empty column name: "${headerText}"`, location);
    if (seen.has(name)) throw new InputError(`header names column "${name}" twice`, location);
    seen.add(name);
  }
  return names;
}

function columnLabel(view: ColumnsView, index: number): string {
  return view.hasHeader ? `#${index + 1} "${view.columns[index]}"` : `#${index + 1}`;
}

/** `#1 "period" e.g. "2024-01-01T05", #2 …`: what an undecidable layout error lists. */
function columnsSeen(view: ColumnsView): string {
  return view.columns.map((_, index) => {
    const example = view.data.map((row) => row[index] as string).find((text) => text !== '') ?? '';
    return `${columnLabel(view, index)} e.g. "${example.length > 32 ? `${example.slice(0, 32)}…` : example}"`;
  }).join(', ');
}

function resolveColumn(hint: string, view: ColumnsView, what: 'time' | 'value', at: (field: string) => object): number {
  const field = what === 'time' ? 'timeColumn' : 'valueColumn';
  const wanted = hint.trim().toLowerCase();
  if (view.hasHeader) {
    const index = view.columns.findIndex((name) => name.toLowerCase() === wanted);
    if (index >= 0) return index;
  }
  if (/^\d+$/.test(wanted)) {
    const number = Number(wanted);
    if (number >= 1 && number <= view.columns.length) return number - 1;
    throw new InputError(`${what} column ${hint} is out of range: the file has ${view.columns.length} column(s), numbered from 1 (columns seen: ${columnsSeen(view)})`, at(field));
  }
  throw new InputError(view.hasHeader
    ? `${what} column "${hint}" is not in the header (columns: ${view.columns.join(', ')})`
    : `${what} column "${hint}" is a name, but the file has no header: give a column number from 1 (columns seen: ${columnsSeen(view)})`, at(field));
}

interface TimeChoice {
  index: number;
  format: TimeFormat;
  how: string;
  example: string;
  newestFirst: boolean;
}

interface TimeCandidate {
  index: number;
  format: TimeFormat;
  /** Found by content, not only by the column's name. */
  byContent: boolean;
}

/** The formats a column's sampled values fit, best first; empty when none. */
function timeFormatsOf(values: readonly string[], named: boolean, only: TimeFormat | undefined): TimeCandidate['format'][] {
  if (values.length === 0) return [];
  const formats: TimeFormat[] = [];
  const isoShare = values.filter((text) => parseTimeIn(text, 'iso') !== undefined).length / values.length;
  if (isoShare >= TIME_SHARE) formats.push('iso');
  const numbers = values.map((text) => Number(text));
  // A clock moves: monotone, and mostly distinct (a constant or a slowly stepping count is not one).
  const moves = numbers.length === 1 || new Set(numbers).size >= Math.max(2, numbers.length / 2);
  if (numbers.every((number) => Number.isFinite(number) && number >= 0) && moves && isMonotone(numbers)) {
    const within = ([low, high]: readonly [number, number]): boolean => numbers.every((number) => number >= low && number < high);
    if (only === 'epoch-s' || only === 'epoch-ms') formats.push(only);
    else if (within(EPOCH_S_RANGE)) formats.push('epoch-s');
    else if (within(EPOCH_MS_RANGE)) formats.push('epoch-ms');
    else if (named) formats.push(numericFormatOf(values));
  }
  return only === undefined ? formats : formats.filter((format) => format === only);
}

/** Epoch seconds below 1e11, milliseconds from there (as parseTimestamp reads bare numbers); `iso` when not all numbers. */
function numericFormatOf(values: readonly string[]): TimeFormat {
  const numbers = values.map((text) => Number(text));
  if (numbers.length === 0 || !numbers.every((number) => Number.isFinite(number))) return 'iso';
  return Math.max(...numbers) < 1e11 ? 'epoch-s' : 'epoch-ms';
}

function isMonotone(numbers: readonly number[]): boolean {
  let rising = true;
  let falling = true;
  for (let i = 1; i < numbers.length; i++) {
    if ((numbers[i] as number) < (numbers[i - 1] as number)) rising = false;
    if ((numbers[i] as number) > (numbers[i - 1] as number)) falling = false;
  }
  return rising || falling;
}

function valuesOf(view: ColumnsView, index: number): string[] {
  return view.data.map((row) => row[index] as string).filter((text) => text !== '');
}

function chooseTimeColumn(view: ColumnsView, hint: string | undefined, formatHint: TimeFormat | undefined, at: (field: string) => object): TimeChoice {
  const isNamed = (index: number): boolean => view.hasHeader && TIME_NAMES.has((view.columns[index] as string).toLowerCase());
  let candidate: TimeCandidate | undefined;
  let how: string;
  if (hint !== undefined) {
    const index = resolveColumn(hint, view, 'time', at);
    const format = timeFormatsOf(valuesOf(view, index), true, formatHint)[0];
    if (format === undefined) {
      throw new InputError(`time column ${columnLabel(view, index)} holds no ${formatHint ?? 'time'} values this reader knows (ISO 8601, YYYY-MM-DD HH:MM:SS, epoch seconds or ms): e.g. "${valuesOf(view, index)[0] ?? ''}"`, at('timeColumn'));
    }
    candidate = { index, format, byContent: true };
    how = 'given';
  } else {
    const all: TimeCandidate[] = [];
    view.columns.forEach((_, index) => {
      const formats = timeFormatsOf(valuesOf(view, index), isNamed(index), formatHint);
      if (formats[0] !== undefined) all.push({ index, format: formats[0], byContent: true });
    });
    // Dates written out beat bare numbers: an increasing count is not a clock. With neither, a
    // column named like a time is still taken, so its bad rows are reported line by line.
    const written = all.filter((found) => found.format === 'iso');
    const namedFallback = view.columns.map((_, index) => index).filter(isNamed)
      .map((index): TimeCandidate => ({ index, format: formatHint ?? numericFormatOf(valuesOf(view, index)), byContent: false }));
    const pool = written.length > 0 ? written : all.length > 0 ? all : namedFallback.slice(0, 1);
    if (pool.length === 0) {
      throw new InputError(`no column holds times this reader knows (ISO 8601 with or without offset, YYYY-MM-DD HH:MM:SS, epoch seconds or milliseconds); columns seen: ${columnsSeen(view)}; ${TIME_FLAG_HELP}`, at('timeColumn'));
    }
    const named = pool.filter((found) => isNamed(found.index));
    candidate = pool.length === 1 ? pool[0] : named.length === 1 ? named[0] : undefined;
    if (candidate === undefined) {
      throw new InputError(`cannot tell which column holds the time: ${pool.map((found) => columnLabel(view, found.index)).join(' and ')} all hold times; columns seen: ${columnsSeen(view)}; ${TIME_FLAG_HELP}`, at('timeColumn'));
    }
    how = !candidate.byContent
      ? 'named like a time, although its first values are not times this reader knows'
      : pool.length === 1 ? `detected: the only column of ${candidate.format === 'iso' ? 'dates' : 'epoch numbers'}` : `detected: the one named like a time among ${pool.length} time columns`;
  }
  const values = valuesOf(view, candidate.index);
  const times = values.map((text) => parseTimeIn(text, candidate.format)?.ms).filter((ms): ms is number => ms !== undefined);
  // Three falling times at least: two rows out of order are a mistake to report, not a newest-first file.
  const newestFirst = times.length >= 3 && (times[0] as number) > (times[times.length - 1] as number) && isMonotone(times);
  return { index: candidate.index, format: candidate.format, how, example: values[0] ?? '', newestFirst };
}

interface ValueChoice {
  index: number;
  format: TraceFormat;
  how: string;
  reason: string;
}

function isNumericColumn(view: ColumnsView, index: number): boolean {
  const values = valuesOf(view, index);
  return values.length > 0 && values.every((text) => Number.isFinite(parseNumber(text, view.delimiter !== ',')));
}

/**
 * Order: the caller's column; a `value` column (NAB: amount per bucket); a `requests`/`count`
 * column (NASA, Azure per-second); per-request records (only a time column, or token columns);
 * the only numeric column. Two or more numeric columns and no name to go by: the caller chooses.
 */
function chooseValueColumn(view: ColumnsView, timeIndex: number, hint: string | undefined, at: (field: string) => object): ValueChoice {
  const lower = view.columns.map((name) => (view.hasHeader ? name.toLowerCase() : ''));
  const bucketFormat = (index: number): TraceFormat => (VALUE_NAMES.has(lower[index] as string) ? 'value-per-bucket' : 'count-per-bucket');
  if (hint !== undefined) {
    const index = resolveColumn(hint, view, 'value', at);
    if (index === timeIndex) throw new InputError(`value column ${columnLabel(view, index)} is the time column (columns seen: ${columnsSeen(view)})`, at('valueColumn'));
    return { index, format: bucketFormat(index), how: 'given', reason: `column ${columnLabel(view, index)} chosen by the caller` };
  }
  const valueIndex = lower.findIndex((name, index) => index !== timeIndex && VALUE_NAMES.has(name));
  if (valueIndex >= 0) {
    return { index: valueIndex, format: 'value-per-bucket', how: 'detected by its name', reason: `column "${view.columns[valueIndex]}" holds the amount per bucket` };
  }
  const countIndex = lower.findIndex((name, index) => index !== timeIndex && COUNT_NAMES.has(name));
  if (countIndex >= 0) {
    return { index: countIndex, format: 'count-per-bucket', how: 'detected by its name', reason: `column "${view.columns[countIndex]}" holds the request count per bucket` };
  }
  const others = view.columns.map((_, index) => index).filter((index) => index !== timeIndex);
  if (others.length === 0 || lower.some((name) => PER_REQUEST_NAMES.has(name))) {
    return {
      index: -1, format: 'per-request-arrivals', how: 'detected',
      reason: others.length === 0
        ? 'only a time column: each row is one request'
        : `per-request columns (${others.map((index) => view.columns[index]).join(', ')}): each row is one request`,
    };
  }
  const numeric = others.filter((index) => isNumericColumn(view, index));
  if (numeric.length === 1) {
    const index = numeric[0] as number;
    return { index, format: 'count-per-bucket', how: 'detected: the only numeric column', reason: `the only numeric column, ${columnLabel(view, index)}, read as a count per bucket` };
  }
  if (numeric.length === 0) {
    throw new InputError(`no numeric value column: expected a "value" or "requests" column, a numeric column besides the time, or per-request rows; columns seen: ${columnsSeen(view)}; ${VALUE_FLAG_HELP}`, at('valueColumn'));
  }
  throw new InputError(`cannot tell which column holds the value: ${numeric.map((index) => columnLabel(view, index)).join(', ')} are all numeric and none is named value or requests; columns seen: ${columnsSeen(view)}; ${VALUE_FLAG_HELP}`, at('valueColumn'));
}
