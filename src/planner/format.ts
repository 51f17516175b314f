/**
 * Formatting for the planner's human messages: times in a chosen zone, rates in k/M.
 * The zone is an input (never the process's TZ), so messages are the same on every machine.
 */
import { InputError } from '../domain/errors.ts';
import { DAY_MS } from '../domain/units.ts';

/** Prints instants as `HH:MM:SS` in one zone, with `(+1d)` when on a later day than `referenceMs`. */
export class ClockFormatter {
  private readonly parts: Intl.DateTimeFormat;
  private readonly cache = new Map<number, string>();
  private readonly referenceDay: number;

  constructor(readonly timeZone: string, referenceMs: number) {
    try {
      this.parts = new Intl.DateTimeFormat('en-GB', {
        timeZone,
        year: 'numeric', month: '2-digit', day: '2-digit',
        hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
      });
    } catch {
      throw new InputError(`unknown time zone "${timeZone}"; expected an IANA name such as Asia/Shanghai or UTC`, { field: 'displayTimeZone' });
    }
    this.referenceDay = this.localDay(referenceMs);
  }

  format(timeMs: number): string {
    const cached = this.cache.get(timeMs);
    if (cached !== undefined) return cached;
    const { day, clock } = this.split(timeMs);
    const dayOffset = day - this.referenceDay;
    const text = dayOffset === 0 ? clock : `${clock} (${dayOffset > 0 ? '+' : ''}${dayOffset}d)`;
    if (this.cache.size < 100_000) this.cache.set(timeMs, text);
    return text;
  }

  private localDay(timeMs: number): number {
    return this.split(timeMs).day;
  }

  private split(timeMs: number): { day: number; clock: string } {
    const fields: Record<string, string> = {};
    for (const part of this.parts.formatToParts(new Date(timeMs))) fields[part.type] = part.value;
    const day = Math.floor(Date.UTC(Number(fields.year), Number(fields.month) - 1, Number(fields.day)) / DAY_MS);
    return { day, clock: `${fields.hour}:${fields.minute}:${fields.second}` };
  }
}

/** 42000 → `42k`, 1234 → `1.2k`, 950 → `950`, 2.5e6 → `2.5M`. */
export function formatRps(rps: number): string {
  if (!Number.isFinite(rps)) return String(rps);
  const abs = Math.abs(rps);
  if (abs >= 1e6) return `${trimmed(rps / 1e6)}M`;
  if (abs >= 1e3) return `${trimmed(rps / 1e3)}k`;
  if (abs >= 10) return String(Math.round(rps));
  return trimmed(rps);
}

function trimmed(value: number): string {
  const abs = Math.abs(value);
  const text = abs >= 100 ? value.toFixed(0) : abs >= 10 ? value.toFixed(1) : value.toFixed(abs >= 1 ? 1 : 2);
  return text.replace(/\.0+$/, '').replace(/(\.\d*?)0+$/, '$1');
}

/** Millicores as cores: 96000 → `96`, 1500 → `1.5`. */
export function formatCores(millicores: number): string {
  return trimmed(millicores / 1000);
}
