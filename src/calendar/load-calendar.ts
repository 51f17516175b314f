/**
 * Loads and validates a peak calendar (forecasts/*.yaml) into a PeakCalendar whose times are epoch
 * milliseconds. Every problem is reported at once with file, line and field (see validate-yaml.ts).
 */
import type { PeakCalendar } from '../domain/calendar.ts';
import { readInputFile } from '../config/load-config.ts';
import { validateYaml } from '../config/validate-yaml.ts';
import { calendarFileSchema } from './schema.ts';

export interface ParseCalendarOptions {
  /** Online workload names of the config; when given, events naming any other workload are rejected. */
  workloads?: readonly string[];
}

/** Parses calendar YAML. `source` names the input in error messages and in `PeakCalendar.source`. */
export function parseCalendarText(text: string, source: string, options: ParseCalendarOptions = {}): PeakCalendar {
  return validateYaml(text, source, calendarFileSchema({ source, ...options }));
}

/** Reads a calendar file; a missing file is bad input (exit 2) naming the path. */
export async function loadCalendarFile(path: string, options: ParseCalendarOptions = {}): Promise<PeakCalendar> {
  return parseCalendarText(await readInputFile(path, 'calendar'), path, options);
}
