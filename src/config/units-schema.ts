/**
 * zod pieces for human-unit quantities ("45s", "500m", "2Gi"), shared by the config, the calendar
 * and the simulation scenarios. Each turns the text into a number in the unit its name states and
 * reports a bad value as `expected …` (validateYaml appends what it got).
 */
import { z } from 'zod';
import { InputError } from '../domain/errors.ts';
import { parseCpuMillicores, parseDurationMs, parseMemoryBytes } from '../domain/units.ts';

function quantity(
  parse: (text: string) => number,
  expected: string,
  options: { allowNumber: boolean; minExclusive?: number; minInclusive?: number },
): z.ZodType<number, unknown> {
  return z.unknown().transform((value, ctx) => {
    const isText = typeof value === 'string';
    if (!isText && !(options.allowNumber && typeof value === 'number')) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      return z.NEVER;
    }
    let parsed: number;
    try {
      parsed = isText ? parse(value) : parse(String(value));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      return z.NEVER;
    }
    if (options.minExclusive !== undefined && !(parsed > options.minExclusive)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected} greater than zero` });
      return z.NEVER;
    }
    if (options.minInclusive !== undefined && !(parsed >= options.minInclusive)) {
      ctx.addIssue({ code: 'custom', message: `expected ${expected} of at least zero` });
      return z.NEVER;
    }
    return parsed;
  });
}

const durationText = 'a duration with a unit such as 45s, 7m30s, 1h or 2d';

/**
 * A duration ≥ 0 in milliseconds. A bare number is rejected: "60" would be seconds to one reader
 * and minutes to another.
 */
export const durationSchema = quantity(parseDurationMs, durationText, { allowNumber: false, minInclusive: 0 });

/** A duration > 0 in milliseconds (timeouts, windows, periods). */
export const positiveDurationSchema = quantity(parseDurationMs, durationText, { allowNumber: false, minExclusive: 0 });

/** CPU > 0 as a Kubernetes quantity ("500m", "2", 1.5) in millicores. */
export const cpuSchema = quantity(parseCpuMillicores, 'a CPU quantity such as 500m or 2', { allowNumber: true, minExclusive: 0 });

/** Memory > 0 as a Kubernetes quantity ("512Mi", "2Gi") in bytes. */
export const memorySchema = quantity(parseMemoryBytes, 'a memory quantity such as 512Mi or 2Gi', { allowNumber: true, minExclusive: 0 });

/** CPU and memory of one replica or one node. */
export const resourcesSchema = z.strictObject({
  cpu: cpuSchema,
  memory: memorySchema,
}).transform(({ cpu, memory }) => ({ cpuMillicores: cpu, memoryBytes: memory }));

/** A name usable as an id and in reports: letters, digits, `-`, `_`, `.`, starting with a letter or digit. */
export const nameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name of letters, digits, -, _ or .');

/** A number in the open interval (0, 1), e.g. a quantile or a share. */
export const unitIntervalSchema = z.number().gt(0).lt(1);

/**
 * An instant written as ISO 8601 with an explicit offset ("2026-11-12T06:00:00+08:00" or "…Z"),
 * in epoch milliseconds. Without an offset the instant would depend on the machine's zone.
 */
export const instantSchema = z.unknown().transform((value, ctx) => {
  const pattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
  const ms = typeof value === 'string' && pattern.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'expected an ISO 8601 instant with an offset, e.g. 2026-11-12T06:00:00+08:00' });
    return z.NEVER;
  }
  return ms;
});
