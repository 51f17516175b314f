/**
 * Fast timestamp parsing for trace files. Traces have tens of thousands of rows, so this reads
 * character codes at fixed positions instead of running a regex and allocating per row.
 *
 * Accepted shapes:
 * - `YYYY-MM-DD HH[:MM[:SS[.fraction]]]` (a `T` may replace the space), optionally followed by `Z`
 *   or `±HH:MM` / `±HHMM` / `±HH`. Without a suffix the time is *naive*: wall-clock time in the zone the
 *   caller names. The fraction may have any number of digits (Azure writes 7, i.e. 100 ns).
 * - `YYYY-MM-DD` alone (midnight, naive).
 * - A bare number: Unix epoch seconds (below 1e11) or milliseconds (from 1e11 on), always UTC.
 */

export interface ParsedTimestamp {
  /** For naive times: the wall-clock reading as if it were UTC. Otherwise the UTC instant. */
  ms: number;
  /** True when the text carried no zone (`Z`, offset, or epoch number) and needs a time zone. */
  naive: boolean;
}

const CODE_0 = 48;
const CODE_9 = 57;

function digitsAt(text: string, start: number, count: number): number {
  let value = 0;
  for (let i = start; i < start + count; i++) {
    const code = text.charCodeAt(i);
    if (code < CODE_0 || code > CODE_9) return -1;
    value = value * 10 + (code - CODE_0);
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/**
 * Parses one timestamp field; returns `undefined` when the text is not a timestamp this module
 * accepts (the caller turns that into an InputError with file and line).
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const length = text.length;
  if (length === 0) return undefined;
  const first = text.charCodeAt(0);
  if (length < 10 || text.charCodeAt(4) !== 45 /* - */) {
    if (first < CODE_0 || first > CODE_9) return undefined;
    const epoch = Number(text);
    if (!Number.isFinite(epoch) || epoch < 0) return undefined;
    return { ms: epoch < 1e11 ? epoch * 1000 : epoch, naive: false };
  }
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 0 || month < 1 || month > 12 || text.charCodeAt(7) !== 45 || day < 1 || day > daysInMonth(year, month)) {
    return undefined;
  }
  let hour = 0;
  let minute = 0;
  let second = 0;
  let fractionMs = 0;
  let position = 10;
  if (length > 10) {
    const separator = text.charCodeAt(10);
    if (separator !== 32 /* space */ && separator !== 84 /* T */) return undefined;
    hour = digitsAt(text, 11, 2);
    if (length < 13 || hour < 0 || hour > 23) return undefined;
    position = 13;
    // Minutes may be left out (`2024-01-01T05`, as the EIA writes hourly periods).
    if (position < length && text.charCodeAt(position) === 58 /* : */) {
      minute = digitsAt(text, 14, 2);
      if (length < 16 || minute < 0 || minute > 59) return undefined;
      position = 16;
    }
    if (position === 16 && position < length && text.charCodeAt(position) === 58) {
      second = digitsAt(text, 17, 2);
      if (second < 0 || second > 59) return undefined;
      position = 19;
      if (position < length && text.charCodeAt(position) === 46 /* . */) {
        position++;
        let scale = 100;
        const fractionStart = position;
        while (position < length) {
          const code = text.charCodeAt(position);
          if (code < CODE_0 || code > CODE_9) break;
          fractionMs += (code - CODE_0) * scale;
          scale /= 10;
          position++;
        }
        if (position === fractionStart) return undefined;
      }
    }
  }
  // Date.UTC treats years 0–99 as 1900–1999; traces never go there, and 4-digit years are required.
  const wallMs = Date.UTC(year, month - 1, day, hour, minute, second) + fractionMs;
  if (position === length) return { ms: wallMs, naive: true };
  const suffix = text.charCodeAt(position);
  if (suffix === 90 /* Z */ && position + 1 === length) return { ms: wallMs, naive: false };
  if (suffix === 43 /* + */ || suffix === 45 /* - */) {
    const offsetHours = digitsAt(text, position + 1, 2);
    // `±HH` alone is a whole-hour offset (EIA local-hourly periods: `2024-01-01T00-05`).
    const hoursOnly = position + 3 === length;
    const hasColon = text.charCodeAt(position + 3) === 58;
    const offsetMinutes = hoursOnly ? 0 : digitsAt(text, position + (hasColon ? 4 : 3), 2);
    const end = hoursOnly ? length : position + (hasColon ? 6 : 5);
    if (offsetHours < 0 || offsetHours > 23 || offsetMinutes < 0 || offsetMinutes > 59 || end !== length) return undefined;
    const offsetMs = (offsetHours * 60 + offsetMinutes) * 60_000 * (suffix === 43 ? 1 : -1);
    return { ms: wallMs - offsetMs, naive: false };
  }
  return undefined;
}

/** `2014-11-02 01:30:00` for a wall-clock or UTC millisecond value (for messages and notes). */
export function formatWallMs(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}
