/**
 * The optional fields that fix a trace CSV's layout, shared by the config's `demand: { kind: csv }`
 * and the scenario's `trace:` entries, so a file that needs a hint gets the same one everywhere
 * (the CLI's --value-column, --time-column, --delimiter, --time-format, --tz). Bad values are
 * refused when the file is loaded, naming the field.
 */
import { z } from 'zod';
import { timeZoneSchema } from '../calendar/schema.ts';
import { parseDelimiterName, TIME_FORMATS } from '../adapters/traces/csv-fields.ts';

/** A header name, or a column number counted from 1 (YAML may write it as a number). */
const columnSchema = z.preprocess(
  (value) => (typeof value === 'number' ? String(value) : value),
  z.string({ error: 'expected a header name or a column number from 1' }).trim().min(1, 'expected a header name or a column number from 1')
    .refine((text) => !/^\d+$/.test(text) || Number(text) >= 1, 'column numbers count from 1'),
);

export const traceLayoutFields = {
  /** Value column. @defaultValue `value` | `requests` | the only numeric column */
  column: columnSchema.optional(),
  /** Time column. @defaultValue the column whose content is times */
  timeColumn: columnSchema.optional(),
  /** `,` `;` or tab (also `comma`, `semicolon`, `tab`). @defaultValue detected */
  delimiter: z.string().refine((text) => parseDelimiterName(text) !== undefined, 'expected ",", ";" or tab (also comma, semicolon, tab)').optional(),
  /** @defaultValue detected from the time column */
  timeFormat: z.enum(TIME_FORMATS as [string, ...string[]]).optional(),
  /** IANA zone of naive timestamps (no offset). @defaultValue UTC (scenario: the shipped trace's zone) */
  timeZone: timeZoneSchema.optional(),
};
