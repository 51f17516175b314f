/**
 * Number and time formatting shared by every report, terminal and HTML alike, so a figure reads the
 * same in both. Pure: the time zone is an option, never the process's local zone.
 */
import { formatDurationMs } from '../domain/units.ts';

export { formatDurationMs };

const siSuffixes: readonly [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];

/**
 * Compact number with an SI suffix and about three significant digits: 950, 1.23k, 45.6k, 7.8M.
 * Small non-integers keep two decimals so a fraction of a request or a core-hour stays visible.
 */
export function formatCompact(value: number): string {
  if (!Number.isFinite(value)) return Number.isNaN(value) ? '–' : value > 0 ? '∞' : '-∞';
  const magnitude = Math.abs(value);
  for (const [size, suffix] of siSuffixes) {
    // 0.9995 so that 999,960 rounds up to "1M" rather than printing "1000k".
    if (magnitude >= size * 0.9995) return `${Number((value / size).toPrecision(3))}${suffix}`;
  }
  if (Number.isInteger(value)) return String(value);
  if (magnitude >= 100) return String(Math.round(value));
  if (magnitude >= 10) return trimZeros(value.toFixed(1));
  if (magnitude >= 0.01) return trimZeros(value.toFixed(2));
  return String(Number(value.toPrecision(2)));
}

function trimZeros(text: string): string {
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** Requests per second with its unit: `1.2k rps`. */
export function formatRps(rps: number): string {
  return `${formatCompact(rps)} rps`;
}

/**
 * A value that is already a percentage (0–100). Tiny non-zero shares keep two significant digits,
 * because 0.004% unserved and 0% unserved are different outcomes.
 */
export function formatPercent(percent: number): string {
  if (!Number.isFinite(percent)) return '–';
  if (percent === 0) return '0%';
  const magnitude = Math.abs(percent);
  if (magnitude < 0.01) return `${Number(percent.toPrecision(2))}%`;
  if (magnitude < 10) return `${trimZeros(percent.toFixed(2))}%`;
  return `${trimZeros(percent.toFixed(1))}%`;
}

/** Hours, e.g. core-hours or node-hours: `12.3`, `1.45k`. The unit goes in the header. */
export function formatHours(hours: number): string {
  return formatCompact(hours);
}

/** Millicores as cores: `2500` → `2.5`. */
export function formatCores(cpuMillicores: number): string {
  return formatCompact(cpuMillicores / 1000);
}

export interface TimeFormatOptions {
  /** IANA zone, e.g. `Asia/Shanghai`. @defaultValue `UTC` */
  readonly timeZone?: string;
  /** Include the date (`MM-DD`). @defaultValue true */
  readonly withDate?: boolean;
  /** Include seconds. @defaultValue false */
  readonly withSeconds?: boolean;
}

const formatterCache = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatterCache.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
    });
    formatterCache.set(timeZone, formatter);
  }
  return formatter;
}

/** Wall-clock time in `timeZone`: `11-11 20:00` (or `11-11 20:00:05`, or `20:00`). */
export function formatLocalTime(timeMs: number, options: TimeFormatOptions = {}): string {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(options.timeZone ?? 'UTC').formatToParts(new Date(timeMs))) parts[part.type] = part.value;
  const clock = `${parts.hour}:${parts.minute}${options.withSeconds ? `:${parts.second}` : ''}`;
  return options.withDate === false ? clock : `${parts.month}-${parts.day} ${clock}`;
}

/** Full local date-time with the year and zone, for titles: `2024-11-11 20:00 Asia/Shanghai`. */
export function formatLocalDateTime(timeMs: number, timeZone = 'UTC'): string {
  const parts: Record<string, string> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(timeMs))) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${timeZone}`;
}
