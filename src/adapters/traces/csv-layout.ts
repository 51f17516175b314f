/**
 * The header of a trace CSV: which column holds the time, which the value, and which of the
 * three trace formats the file is.
 */
import { InputError } from '../../domain/errors.ts';

export type TraceFormat = 'value-per-bucket' | 'count-per-bucket' | 'per-request-arrivals';

export interface CsvLayout {
  format: TraceFormat;
  columns: string[];
  timestampColumn: number;
  /** Index of the value column; -1 for per-request arrivals (each row is one request). */
  valueColumn: number;
  /** Why this layout was chosen, for the cleaning report. */
  reason: string;
}

const TIMESTAMP_NAMES = new Set(['timestamp', 'time', 'ts', 'datetime', 'date', 'time_stamp']);
const VALUE_NAMES = new Set(['value']);
const COUNT_NAMES = new Set(['requests', 'count', 'hits', 'requests_per_bucket']);
/** Columns of per-request records (Azure LLM traces): a row is one arrival, these are its attributes. */
const PER_REQUEST_NAMES = new Set(['contexttokens', 'generatedtokens', 'context_tokens_per_request', 'latency', 'duration']);

/** Strips surrounding double quotes and blanks from a CSV field (traces never contain commas in fields). */
export function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

/**
 * Decides the layout from the header line and the first data line.
 *
 * Order: an explicit `valueColumn`; a `value` column (NAB: amount per bucket); a `requests`/`count`
 * column (NASA, Azure per-second); per-request records (only a timestamp, or token columns and no
 * count); else the first numeric column after the timestamp.
 */
export function detectLayout(options: {
  headerLine: string;
  firstDataLine: string | undefined;
  source: string;
  headerLineNumber: number;
  valueColumn?: string;
}): CsvLayout {
  const { headerLine, firstDataLine, source, headerLineNumber } = options;
  const columns = headerLine.split(',').map(unquote);
  const location = { source, line: headerLineNumber, field: 'header' };
  const lower = columns.map((name) => name.toLowerCase());
  const seen = new Set<string>();
  for (const name of lower) {
    if (name === '') throw new InputError(`header has an empty column name: "${headerLine}"`, location);
    if (seen.has(name)) throw new InputError(`header names column "${name}" twice`, location);
    seen.add(name);
  }
  const timestampColumn = lower.findIndex((name) => TIMESTAMP_NAMES.has(name));
  if (timestampColumn < 0) {
    throw new InputError(
      `unknown columns ${columns.map((name) => `"${name}"`).join(', ')}: expected a timestamp column named one of ${[...TIMESTAMP_NAMES].join(', ')}`,
      location,
    );
  }
  const named = (index: number, format: TraceFormat, reason: string): CsvLayout =>
    ({ format, columns, timestampColumn, valueColumn: index, reason });

  if (options.valueColumn !== undefined) {
    const index = lower.indexOf(options.valueColumn.toLowerCase());
    if (index < 0 || index === timestampColumn) {
      throw new InputError(
        `value column "${options.valueColumn}" is not in the header (columns: ${columns.join(', ')})`,
        { source, line: headerLineNumber, field: 'valueColumn' },
      );
    }
    const format = VALUE_NAMES.has(lower[index] as string) ? 'value-per-bucket' : 'count-per-bucket';
    return named(index, format, `column "${columns[index]}" chosen by the caller`);
  }
  const valueIndex = lower.findIndex((name) => VALUE_NAMES.has(name));
  if (valueIndex >= 0) return named(valueIndex, 'value-per-bucket', `column "${columns[valueIndex]}" holds the amount per bucket`);
  const countIndex = lower.findIndex((name) => COUNT_NAMES.has(name));
  if (countIndex >= 0) return named(countIndex, 'count-per-bucket', `column "${columns[countIndex]}" holds the request count per bucket`);
  if (columns.length === 1 || lower.some((name) => PER_REQUEST_NAMES.has(name))) {
    return {
      format: 'per-request-arrivals', columns, timestampColumn, valueColumn: -1,
      reason: columns.length === 1
        ? 'only a timestamp column: each row is one request'
        : `per-request columns (${columns.filter((_, i) => i !== timestampColumn).join(', ')}): each row is one request`,
    };
  }
  if (firstDataLine !== undefined) {
    const fields = firstDataLine.split(',');
    for (let index = timestampColumn + 1; index < columns.length; index++) {
      const text = unquote(fields[index] ?? '');
      if (text !== '' && Number.isFinite(Number(text))) {
        return named(index, 'count-per-bucket', `first numeric column after the timestamp, "${columns[index]}", read as a count per bucket`);
      }
    }
  }
  throw new InputError(
    `unknown columns ${columns.map((name) => `"${name}"`).join(', ')}: expected a "value" or "requests" column, a numeric column after the timestamp, or per-request rows`,
    location,
  );
}
