/**
 * One field of a trace CSV: splitting a line, unquoting, numbers (with a decimal comma where the
 * delimiter allows one) and times in one named format. Shared by layout detection and row reading,
 * so what detection accepted in the sample is exactly what the reader accepts in every row.
 */
import { parseTimestamp, type ParsedTimestamp } from './timestamp.ts';

export type Delimiter = ',' | ';' | '\t';
export const DELIMITERS: readonly Delimiter[] = [',', ';', '\t'];

/** `iso`: ISO 8601 / `YYYY-MM-DD HH:MM:SS`, with or without offset; epochs are always UTC. */
export type TimeFormat = 'iso' | 'epoch-s' | 'epoch-ms';
export const TIME_FORMATS: readonly TimeFormat[] = ['iso', 'epoch-s', 'epoch-ms'];

/** Strips surrounding double quotes and blanks from a field (traces never contain the delimiter in fields). */
export function unquote(field: string): string {
  const trimmed = field.trim();
  return trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1) : trimmed;
}

export function splitFields(line: string, delimiter: Delimiter): string[] {
  return line.split(delimiter).map(unquote);
}

/** `tab`, `\t`, `comma`, `semicolon` or the character itself; undefined for anything else. */
export function parseDelimiterName(text: string): Delimiter | undefined {
  switch (text === '\t' ? text : text.trim().toLowerCase()) {
    case ',': case 'comma': return ',';
    case ';': case 'semicolon': return ';';
    case '\t': case '\\t': case 'tab': return '\t';
    default: return undefined;
  }
}

/** `comma`, `semicolon` or `tab`: for messages such as "comma-separated". */
export function describeDelimiter(delimiter: Delimiter): string {
  return delimiter === '\t' ? 'tab' : delimiter === ';' ? 'semicolon' : 'comma';
}

const DECIMAL_COMMA = /^[+-]?\d+,\d+$/;

/** A finite number, or NaN. A decimal comma (`12,5`) is read only when the delimiter is not a comma. */
export function parseNumber(text: string, decimalComma: boolean): number {
  if (text === '') return Number.NaN;
  const value = Number(text);
  if (Number.isFinite(value)) return value;
  if (decimalComma && DECIMAL_COMMA.test(text)) return Number(text.replace(',', '.'));
  return Number.NaN;
}

export function looksLikeDecimalComma(text: string): boolean {
  return DECIMAL_COMMA.test(text);
}

/** Text that is a date (`YYYY-…`), not a bare number. */
function isDateText(text: string): boolean {
  return text.length >= 10 && text.charCodeAt(4) === 45 /* - */;
}

/** Parses `text` as a time in `format`; undefined when it is not one. */
export function parseTimeIn(text: string, format: TimeFormat): ParsedTimestamp | undefined {
  if (format === 'iso') return isDateText(text) ? parseTimestamp(text) : undefined;
  if (text === '' || isDateText(text)) return undefined;
  const epoch = Number(text);
  if (!Number.isFinite(epoch) || epoch < 0) return undefined;
  return { ms: format === 'epoch-s' ? epoch * 1000 : epoch, naive: false };
}

/** In words, from an example value: what `trace inspect` shows as the time format. */
export function describeTimeFormat(format: TimeFormat, example: string): string {
  if (format === 'epoch-s') return `epoch seconds (UTC), e.g. ${example}`;
  if (format === 'epoch-ms') return `epoch milliseconds (UTC), e.g. ${example}`;
  const parsed = parseTimestamp(example);
  const zoned = parsed !== undefined && !parsed.naive;
  const shape = example.length === 10 ? 'YYYY-MM-DD (dates)' : example.charCodeAt(10) === 84 /* T */ ? 'ISO 8601' : 'YYYY-MM-DD HH:MM:SS';
  return `${shape} ${zoned ? 'with offset' : 'without offset'}, e.g. ${example}`;
}
