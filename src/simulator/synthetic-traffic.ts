/**
 * A synthetic stacked-peak traffic generator (SYNTHETIC data, for demos, tests and simulations such as
 * sim/double11.yaml): baseline daily/weekly seasonality, the offline-retail evening peak, platform
 * promotions, livestream pulses and the regions' shifted windows, drawn from a peak calendar with the
 * same event shapes the forecaster overlays (src/domain/event-shapes.ts). Pure and seeded: the same
 * options give the same series, bit for bit.
 *
 * Each value is the rate at the start of its step. The components are returned before noise, so
 * Σ components = the noise-free series; the noise multiplies the sum.
 */
import type { CalendarEvent, PeakCalendar, UpliftSpec } from '../domain/calendar.ts';
import { eventOccurrences } from '../domain/calendar-occurrences.ts';
import { InputError } from '../domain/errors.ts';
import { livestreamPulseRps, promotionEffectFraction, retailWindowEffectFraction } from '../domain/event-shapes.ts';
import type { ComponentKind } from '../domain/forecast.ts';
import { createRng, deriveSeed, unitMeanNoise } from '../domain/random.ts';
import type { RegularSeries } from '../domain/series.ts';
import { zoneOffsetMs } from '../domain/time-zones.ts';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../domain/units.ts';

export interface BaselineSeasonality {
  /** Mean of the baseline over a day, requests/s. */
  meanRps: number;
  /** Relative daily swing in [0, 1): the baseline runs from mean × (1 − a) to mean × (1 + a). */
  dailyAmplitude: number;
  /** Local hour (0–24, fractions allowed) at which the daily cycle tops out. */
  peakHourLocal: number;
  /** Zone of `peakHourLocal` (and of the week's days). */
  timeZone: string;
  /** Relative weekly swing in [0, 1), topping out on Saturday (local). @defaultValue 0 */
  weeklyAmplitude?: number;
}

export interface StackedPeakTrafficOptions {
  calendar: PeakCalendar;
  /** Events whose `workloads` list is empty or names this workload apply. */
  workload: string;
  startMs: number;
  endMs: number;
  stepMs: number;
  baseline: BaselineSeasonality;
  /** Coefficient of variation of the multiplicative (lognormal, mean 1) noise per step; 0 = none. */
  noiseCv: number;
  seed: number;
}

export interface TrafficComponent {
  /** `baseline`, or `<kind>:<event id>` like the forecaster's components (`promotion:tmall-2000`). */
  name: string;
  kind: ComponentKind;
  /** Additive requests/s per step, before noise. */
  values: Float64Array;
}

export interface StackedPeakTraffic {
  series: RegularSeries;
  components: TrafficComponent[];
}

/** Saturday in the epoch's day numbering (1970-01-01 was a Thursday = 0). */
const SATURDAY_EPOCH_DAY_OFFSET = 2;
/** Zone offsets change on whole quarter hours at most; cache per quarter hour. */
const OFFSET_CACHE_MS = 15 * MINUTE_MS;

function checkOptions(options: StackedPeakTrafficOptions): void {
  const problems: [string, boolean][] = [
    ['stepMs', Number.isInteger(options.stepMs) && options.stepMs > 0],
    ['endMs', Number.isFinite(options.startMs) && Number.isFinite(options.endMs) && options.endMs > options.startMs],
    ['baseline.meanRps', options.baseline.meanRps >= 0 && Number.isFinite(options.baseline.meanRps)],
    ['baseline.dailyAmplitude', options.baseline.dailyAmplitude >= 0 && options.baseline.dailyAmplitude < 1],
    ['baseline.weeklyAmplitude', (options.baseline.weeklyAmplitude ?? 0) >= 0 && (options.baseline.weeklyAmplitude ?? 0) < 1],
    ['baseline.peakHourLocal', options.baseline.peakHourLocal >= 0 && options.baseline.peakHourLocal <= 24],
    ['noiseCv', options.noiseCv >= 0 && Number.isFinite(options.noiseCv)],
    ['seed', Number.isFinite(options.seed)],
  ];
  const failed = problems.filter(([, ok]) => !ok).map(([field]) => field);
  if (failed.length > 0) {
    throw new InputError(`invalid synthetic traffic options: ${failed.join(', ')}`, { field: failed[0] as string });
  }
}

/** Factor at full effect: the stated one, or the fallback when it would be learned (no history here). */
function fullFactor(uplift: UpliftSpec): number {
  return uplift.kind === 'expected' ? uplift.factor : uplift.fallbackFactor;
}

function appliesTo(event: CalendarEvent, workload: string): boolean {
  return event.workloads.length === 0 || event.workloads.includes(workload);
}

/** The baseline seasonality at every step (requests/s). */
function baselineValues(options: StackedPeakTrafficOptions, count: number): Float64Array {
  const { meanRps, dailyAmplitude, peakHourLocal, timeZone } = options.baseline;
  const weeklyAmplitude = options.baseline.weeklyAmplitude ?? 0;
  const values = new Float64Array(count);
  let cachedSlot = Number.NaN;
  let cachedOffsetMs = 0;
  for (let index = 0; index < count; index += 1) {
    const timeMs = options.startMs + index * options.stepMs;
    const slot = Math.floor(timeMs / OFFSET_CACHE_MS);
    if (slot !== cachedSlot) {
      cachedSlot = slot;
      cachedOffsetMs = zoneOffsetMs(timeMs, timeZone);
    }
    const localMs = timeMs + cachedOffsetMs;
    const hourOfDay = (((localMs % DAY_MS) + DAY_MS) % DAY_MS) / HOUR_MS;
    const daily = 1 + dailyAmplitude * Math.cos((2 * Math.PI * (hourOfDay - peakHourLocal)) / 24);
    const daysSinceSaturday = localMs / DAY_MS - SATURDAY_EPOCH_DAY_OFFSET - peakHourLocal / 24;
    const weekly = 1 + weeklyAmplitude * Math.cos((2 * Math.PI * daysSinceSaturday) / 7);
    values[index] = meanRps * daily * weekly;
  }
  return values;
}

/** Generates SYNTHETIC stacked-peak traffic for one workload. See the module comment. */
export function generateStackedPeakTraffic(options: StackedPeakTrafficOptions): StackedPeakTraffic {
  checkOptions(options);
  const { startMs, endMs, stepMs } = options;
  const count = Math.ceil((endMs - startMs) / stepMs);
  const baseline = baselineValues(options, count);
  const components: TrafficComponent[] = [{ name: 'baseline', kind: 'baseline', values: baseline }];
  const componentByName = new Map<string, TrafficComponent>();

  for (const occurrence of eventOccurrences(options.calendar, startMs, endMs)) {
    const event = occurrence.event;
    if (!appliesTo(event, options.workload)) continue;
    // Region copies of an event are their own component: their share is what a forecast explains.
    const name = `${occurrence.kind}:${occurrence.eventId}`;
    let component = componentByName.get(name);
    if (component === undefined) {
      component = { name, kind: occurrence.kind, values: new Float64Array(count) };
      componentByName.set(name, component);
      components.push(component);
    }
    const share = occurrence.trafficShare ?? 1;
    const firstIndex = Math.max(0, Math.ceil((occurrence.startMs - startMs) / stepMs));
    const endIndex = Math.min(count, Math.ceil((occurrence.endMs - startMs) / stepMs));
    for (let index = firstIndex; index < endIndex; index += 1) {
      const timeMs = startMs + index * stepMs;
      const base = baseline[index] as number;
      let added = 0;
      switch (event.kind) {
        case 'offline-retail':
          added = (fullFactor(event.uplift) - 1) * base * share * retailWindowEffectFraction(occurrence.startMs, occurrence.endMs, timeMs);
          break;
        case 'promotion':
          added = (fullFactor(event.uplift) - 1) * base * share * promotionEffectFraction(event, occurrence.startMs, occurrence.endMs, timeMs);
          break;
        case 'livestream':
          added = share * livestreamPulseRps(event, occurrence.startMs, occurrence.endMs, timeMs);
          break;
      }
      component.values[index] = (component.values[index] as number) + added;
    }
  }

  const rng = createRng(deriveSeed(options.seed, `synthetic-traffic:${options.workload}`));
  const values = new Float64Array(count);
  for (let index = 0; index < count; index += 1) {
    let sum = 0;
    for (const component of components) sum += component.values[index] as number;
    values[index] = sum * unitMeanNoise(rng, options.noiseCv);
  }
  return { series: { startMs, stepMs, values, unit: 'requests/s' }, components };
}
