/**
 * The flags that fix a trace CSV's layout instead of letting the reader detect it
 * (src/adapters/traces/csv-layout.ts): `--time-column`, `--value-column`, `--delimiter`,
 * `--time-format`. Every command that reads a trace file takes them, with the same meaning:
 * columns are a header name or a column number counted from 1.
 */
import type { Command } from 'commander';
import { InputError } from '../domain/errors.ts';
import { parseDelimiterName, TIME_FORMATS } from '../adapters/traces/csv-fields.ts';
import type { TraceReadOptions } from '../adapters/traces/read-trace.ts';

export interface TraceLayoutFlags {
  timeColumn?: string;
  valueColumn?: string;
  delimiter?: string;
  timeFormat?: string;
}

export type TraceLayoutOptions = Pick<TraceReadOptions, 'timeColumn' | 'valueColumn' | 'delimiter' | 'timeFormat'>;

/** Adds the four flags; `which` says what they apply to in the help text (e.g. "the --history file"). */
export function addTraceLayoutFlags(command: Command, which: string): Command {
  return command
    .option('--time-column <column>', `time column of ${which}: header name or number from 1 (default: detected by content)`)
    .option('--value-column <column>', `value column of ${which}: header name or number from 1 (default: value, requests, or the only numeric column)`)
    .option('--delimiter <char>', `field delimiter of ${which}: , | ; | tab (default: detected)`)
    .option('--time-format <format>', `time format of ${which}: ${TIME_FORMATS.join(' | ')} (default: detected; iso covers YYYY-MM-DD HH:MM:SS and ISO 8601 with or without offset)`);
}

/** Checks what can be checked without the file (a bad value names its flag) and returns reader options. */
export function traceLayoutOptions(flags: TraceLayoutFlags): TraceLayoutOptions {
  const options: TraceLayoutOptions = {};
  if (flags.delimiter !== undefined) {
    if (parseDelimiterName(flags.delimiter) === undefined) {
      throw new InputError(`"${flags.delimiter}" is not a delimiter; expected ",", ";" or tab (also comma, semicolon, tab)`, { source: '--delimiter' });
    }
    options.delimiter = flags.delimiter;
  }
  if (flags.timeFormat !== undefined) {
    if (!(TIME_FORMATS as readonly string[]).includes(flags.timeFormat.trim().toLowerCase())) {
      throw new InputError(`"${flags.timeFormat}" is not one of ${TIME_FORMATS.join(', ')}`, { source: '--time-format' });
    }
    options.timeFormat = flags.timeFormat;
  }
  for (const [name, flag] of [['timeColumn', '--time-column'], ['valueColumn', '--value-column']] as const) {
    const value = flags[name];
    if (value === undefined) continue;
    if (value.trim() === '') throw new InputError('expected a header name or a column number from 1, got an empty value', { source: flag });
    options[name] = value;
  }
  return options;
}
