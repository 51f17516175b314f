import { InputError, type InputLocation } from './errors.ts';

export const SECOND_MS = 1_000;
export const MINUTE_MS = 60 * SECOND_MS;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;
export const WEEK_MS = 7 * DAY_MS;

const durationPart = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g;
const unitMs: Record<string, number> = { ms: 1, s: SECOND_MS, m: MINUTE_MS, h: HOUR_MS, d: DAY_MS, w: WEEK_MS };

/**
 * Parses a duration such as `90s`, `7m30s`, `1h`, `2d` or `250ms` into milliseconds.
 * A bare number is rejected: the unit must be explicit so `60` never means seconds to one
 * reader and minutes to another.
 */
export function parseDurationMs(text: string, location: InputLocation = {}): number {
  const trimmed = text.trim();
  let consumed = '';
  let totalMs = 0;
  for (const match of trimmed.matchAll(durationPart)) {
    consumed += match[0];
    totalMs += Number(match[1]) * (unitMs[match[2] as string] as number);
  }
  if (trimmed.length === 0 || consumed !== trimmed) {
    throw new InputError(`"${text}" is not a duration; expected e.g. 45s, 7m30s, 1h, 2d`, location);
  }
  return totalMs;
}

/** Formats milliseconds as a short human duration: `7m30s`, `1h`, `450ms`. */
export function formatDurationMs(durationMs: number): string {
  if (durationMs === 0) return '0s';
  const sign = durationMs < 0 ? '-' : '';
  let rest = Math.abs(durationMs);
  if (rest < SECOND_MS) return `${sign}${Math.round(rest)}ms`;
  const parts: string[] = [];
  for (const [unit, size] of [['d', DAY_MS], ['h', HOUR_MS], ['m', MINUTE_MS], ['s', SECOND_MS]] as const) {
    const count = Math.floor(rest / size);
    if (count > 0) {
      parts.push(`${count}${unit}`);
      rest -= count * size;
    }
  }
  return sign + parts.join('');
}

/** Parses Kubernetes CPU quantities (`500m`, `2`, `1.5`) into millicores. */
export function parseCpuMillicores(text: string | number, location: InputLocation = {}): number {
  if (typeof text === 'number') return Math.round(text * 1000);
  const match = /^(\d+(?:\.\d+)?)(m?)$/.exec(text.trim());
  if (!match) throw new InputError(`"${text}" is not a CPU quantity; expected e.g. 500m or 2`, location);
  const value = Number(match[1]);
  return Math.round(match[2] === 'm' ? value : value * 1000);
}

const memoryUnits: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4,
};

/** Parses Kubernetes memory quantities (`512Mi`, `2Gi`, `1G`) into bytes. */
export function parseMemoryBytes(text: string | number, location: InputLocation = {}): number {
  if (typeof text === 'number') return text;
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|)$/.exec(text.trim());
  if (!match) throw new InputError(`"${text}" is not a memory quantity; expected e.g. 512Mi or 2Gi`, location);
  return Math.round(Number(match[1]) * (memoryUnits[match[2] as string] as number));
}
