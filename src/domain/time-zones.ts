/**
 * Wall-clock time in IANA zones, computed with the platform's Intl data (no time-zone library).
 * Pure: no clock, no environment — the zone is always an explicit argument.
 *
 * Local date-times are written the way calendars are: year, month 1–12, day, hour 0–23, minute,
 * second. The zone offset is found by formatting an instant in the zone and comparing with UTC.
 */

export interface LocalDateTime {
  readonly year: number;
  /** 1–12. */
  readonly month: number;
  readonly day: number;
  /** 0–23. */
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/**
 * What to do with a local time that does not map to exactly one instant.
 *
 * - A nonexistent time (inside a spring-forward gap, e.g. 02:30 on the day clocks jump 02:00→03:00):
 *   `compatible` and `later` move it forward by the length of the gap (02:30 → 03:30), `earlier`
 *   moves it back (02:30 → 01:30), `reject` throws.
 * - An ambiguous time (inside a fall-back overlap, e.g. 01:30 on the day clocks go 02:00→01:00):
 *   `compatible` and `earlier` take the first of the two instants, `later` the second, `reject` throws.
 *
 * `compatible` is the default, the same rule as Temporal and as cron implementations that never skip
 * a run: a daily window at a nonexistent time still happens, just later.
 */
export type Disambiguation = 'compatible' | 'earlier' | 'later' | 'reject';

/** Thrown for an unknown zone or, with `reject`, a local time that is nonexistent or ambiguous. */
export class LocalTimeError extends RangeError {
  override readonly name = 'LocalTimeError';
}

const formatterByZone = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatterByZone.get(timeZone);
  if (formatter === undefined) {
    try {
      formatter = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new LocalTimeError(`unknown time zone "${timeZone}"; expected an IANA name such as Asia/Shanghai`);
    }
    formatterByZone.set(timeZone, formatter);
  }
  return formatter;
}

/** True when `zone` is an IANA time-zone name (or alias) this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  if (zone.trim() === '' || zone !== zone.trim()) return false;
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The local wall-clock time of instant `ms` in `timeZone` (milliseconds are dropped). */
export function epochMsToLocal(ms: number, timeZone: string): LocalDateTime {
  if (!Number.isFinite(ms)) throw new RangeError(`epoch milliseconds must be finite, got ${ms}`);
  const fields: Record<string, number> = {};
  let isBeforeCommonEra = false;
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type === 'era') isBeforeCommonEra = part.value.startsWith('B');
    else if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const year = fields.year as number;
  return {
    year: isBeforeCommonEra ? 1 - year : year,
    month: fields.month as number,
    day: fields.day as number,
    hour: fields.hour as number,
    minute: fields.minute as number,
    second: fields.second as number,
  };
}

/** UTC offset of `timeZone` at instant `ms`, in milliseconds (Asia/Shanghai → +8 h). */
export function zoneOffsetMs(ms: number, timeZone: string): number {
  const wholeSecondMs = Math.floor(ms / 1000) * 1000;
  return naiveUtcMs(epochMsToLocal(wholeSecondMs, timeZone)) - wholeSecondMs;
}

/** The local date-time read as if it were UTC; the building block of offset arithmetic. */
function naiveUtcMs(local: LocalDateTime): number {
  const ms = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Date.UTC maps years 0–99 to 1900–1999; set the year explicitly so every year round-trips.
  if (local.year >= 0 && local.year < 100) {
    const date = new Date(ms);
    date.setUTCFullYear(local.year);
    return date.getTime();
  }
  return ms;
}

function sameLocal(a: LocalDateTime, b: LocalDateTime): boolean {
  return a.year === b.year && a.month === b.month && a.day === b.day
    && a.hour === b.hour && a.minute === b.minute && a.second === b.second;
}

function formatLocal(local: LocalDateTime): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${pad(local.year, 4)}-${pad(local.month)}-${pad(local.day)}T${pad(local.hour)}:${pad(local.minute)}:${pad(local.second)}`;
}

function assertLocalFields(local: LocalDateTime): void {
  const ranges: [keyof LocalDateTime, number, number][] = [
    ['month', 1, 12], ['day', 1, 31], ['hour', 0, 23], ['minute', 0, 59], ['second', 0, 59],
  ];
  for (const [field, min, max] of ranges) {
    const value = local[field];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new LocalTimeError(`${field} must be an integer in ${min}–${max}, got ${value}`);
    }
  }
  if (!Number.isInteger(local.year)) throw new LocalTimeError(`year must be an integer, got ${local.year}`);
  const daysInMonth = new Date(Date.UTC(2000, local.month, 0)).getUTCDate();
  const isLeap = (local.year % 4 === 0 && local.year % 100 !== 0) || local.year % 400 === 0;
  const maxDay = local.month === 2 ? (isLeap ? 29 : 28) : daysInMonth;
  if (local.day > maxDay) throw new LocalTimeError(`${formatLocal(local)} is not a date (month has ${maxDay} days)`);
}

/**
 * The instant at which the wall clock in `timeZone` shows `local`. Nonexistent and ambiguous local
 * times follow `disambiguation` (see {@link Disambiguation}; default `compatible`).
 */
export function localToEpochMs(
  local: LocalDateTime,
  timeZone: string,
  disambiguation: Disambiguation = 'compatible',
): number {
  assertLocalFields(local);
  const naiveMs = naiveUtcMs(local);
  // Real zones change offset at most once within any two days, so the offsets a day either side
  // are the only candidates (the same approach as the Temporal polyfill).
  const offsetBeforeMs = zoneOffsetMs(naiveMs - 86_400_000, timeZone);
  const offsetAfterMs = zoneOffsetMs(naiveMs + 86_400_000, timeZone);
  const candidates = [...new Set([naiveMs - offsetBeforeMs, naiveMs - offsetAfterMs])]
    .filter((candidateMs) => sameLocal(epochMsToLocal(candidateMs, timeZone), local))
    .sort((a, b) => a - b);

  if (candidates.length === 1) return candidates[0] as number;
  if (candidates.length === 2) {
    if (disambiguation === 'reject') {
      throw new LocalTimeError(`${formatLocal(local)} happens twice in ${timeZone} (clocks go back); give the offset explicitly`);
    }
    return (disambiguation === 'later' ? candidates[1] : candidates[0]) as number;
  }
  // Nonexistent: the clocks jumped over it. The offset before the jump maps it past the gap.
  if (disambiguation === 'reject') {
    throw new LocalTimeError(`${formatLocal(local)} does not exist in ${timeZone} (clocks jump forward)`);
  }
  return disambiguation === 'earlier' ? naiveMs - offsetAfterMs : naiveMs - offsetBeforeMs;
}

/** Adds whole calendar days to a local date (hour/minute/second kept), crossing months and years. */
export function addLocalDays(local: LocalDateTime, days: number): LocalDateTime {
  const date = new Date(naiveUtcMs({ ...local, hour: 12, minute: 0, second: 0 }) + days * 86_400_000);
  return {
    year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate(),
    hour: local.hour, minute: local.minute, second: local.second,
  };
}
