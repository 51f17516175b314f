/**
 * Calendar events on top of the statistical baseline, each as an additive component per bucket:
 *
 * - promotions: (factor − 1) × baseline × effect (ramp, then flat). The factor is learned from the
 *   promotion's past occurrences in the history (least-squares ratio of the actual to the normal
 *   profile there, median over occurrences) when the calendar says `learn` and the history covers
 *   some; otherwise the stated (or fallback) factor.
 * - offline-retail daily windows: the same with the sin² in-store shape, measured against the
 *   straight line between the window's edges (the level the day would have without the in-store
 *   peak). With a daily seasonal baseline the usual bump is already inside the baseline, so the
 *   learned bump is moved out of the baseline into this component (their sum is unchanged); a stated
 *   factor replaces the usual bump.
 * - livestream pulses: the stated peak rate with its rise/decay shape, bucket-averaged.
 *
 * Every occurrence is weighted by its traffic share (regions). Pure.
 */
import type { EventOccurrence } from '../domain/calendar.ts';
import type { ComponentKind } from '../domain/forecast.ts';
import { meanPromotionFraction, meanPulseRps, meanRetailFraction } from './event-shape-integrals.ts';
import { medianOf } from './robust-stats.ts';

export interface EventOverlayInput {
  readonly occurrences: readonly EventOccurrence[];
  /** The observed history (events not masked), from `historyStartMs`, one value per `stepMs`. */
  readonly history: Float64Array;
  /**
   * The same with every calendar event's buckets NaN: where the normal profile is unknown at a past
   * occurrence (its first day, a short history), the normal level is read from the event-free
   * buckets just before and after it. @defaultValue `history`
   */
  readonly maskedHistory?: Float64Array;
  readonly historyStartMs: number;
  readonly stepMs: number;
  /** The normal (event-free) profile at a past index; NaN = unknown. */
  readonly profileAt: (index: number) => number;
  /** Event-free median for future indices n, n+1, … (index − n into this array). */
  readonly futureMedian: Float64Array;
  /** True when the baseline is seasonal with a daily cycle, so daily windows are already in it. */
  readonly baselineHasDailyWindows: boolean;
  /** Output buckets: indices [outputFrom, outputFrom + outputLength) relative to the history start. */
  readonly outputFrom: number;
  readonly outputLength: number;
  /** Past daily-window occurrences used for learning, most recent first. @defaultValue 28 */
  readonly maxLearnedOccurrences?: number;
}

export interface EventComponent {
  readonly kind: ComponentKind;
  readonly name: string;
  readonly values: Float64Array;
  /** Uplift factor used (promotion / retail), undefined for pulses. */
  readonly factor?: number;
  readonly factorSource?: 'learned' | 'stated' | 'fallback';
  /** Past occurrences the factor was learned from. */
  readonly learnedFrom?: number;
}

export interface EventOverlay {
  readonly components: readonly EventComponent[];
  /** Per output bucket, the part of the baseline that is the usual in-store bump (moved into components). */
  readonly baselineBump: Float64Array;
}

/** Bucket-average effect needs at least this much total effect (in buckets) to learn from an occurrence. */
const MIN_LEARNING_WEIGHT = 0.5;
/** Event-free time averaged on each side of a past occurrence for its normal level (when no profile is known there). */
const EDGE_WINDOW_MS = 30 * 60_000;

export function overlayEvents(input: EventOverlayInput): EventOverlay {
  const { stepMs, historyStartMs, outputFrom, outputLength } = input;
  const n = input.history.length;
  const baselineBump = new Float64Array(outputLength);
  const byName = new Map<string, EventComponent & { values: Float64Array }>();
  const outputFromMs = historyStartMs + outputFrom * stepMs;
  const outputToMs = outputFromMs + outputLength * stepMs;

  const expectedAt = (index: number): number => {
    if (index < n) {
      let sum = 0;
      let count = 0;
      for (let j = Math.max(0, index - 1); j <= Math.min(n - 1, index + 1); j++) {
        const value = input.history[j] as number;
        if (Number.isFinite(value)) {
          sum += value;
          count++;
        }
      }
      return count > 0 ? sum / count : input.profileAt(index);
    }
    const offset = Math.min(input.futureMedian.length - 1, index - n);
    return input.futureMedian[offset] as number;
  };
  /**
   * The baseline a promotion multiplies: the event-free median without the usual in-store bump
   * (daily windows are processed first, so the bump is known by then).
   */
  const baselineAt = (index: number): number => {
    if (index < n) return input.profileAt(index);
    const offset = index - outputFrom;
    const bump = offset >= 0 && offset < outputLength ? (baselineBump[offset] as number) : 0;
    return expectedAt(index) - bump;
  };

  const componentFor = (occurrence: EventOccurrence, extra: Partial<EventComponent>): EventComponent & { values: Float64Array } => {
    const name = `${occurrence.kind}:${occurrence.eventId}`;
    let component = byName.get(name);
    if (component === undefined) {
      component = { kind: occurrence.kind, name, values: new Float64Array(outputLength), ...extra };
      byName.set(name, component);
    }
    return component;
  };

  const retailFactors = new Map<string, { factor: number; learnedFrom: number } | undefined>();
  const promotionFactors = new Map<string, { factor: number; learnedFrom: number } | undefined>();

  const dailyWindowsFirst = [
    ...input.occurrences.filter((occurrence) => occurrence.kind === 'offline-retail'),
    ...input.occurrences.filter((occurrence) => occurrence.kind !== 'offline-retail'),
  ];
  for (const occurrence of dailyWindowsFirst) {
    if (occurrence.endMs <= outputFromMs || occurrence.startMs >= outputToMs) continue;
    const share = occurrence.trafficShare ?? 1;
    const event = occurrence.event;
    const firstBucket = Math.max(outputFrom, Math.floor((occurrence.startMs - historyStartMs) / stepMs));
    const lastBucket = Math.min(outputFrom + outputLength - 1, Math.ceil((occurrence.endMs - historyStartMs) / stepMs) - 1);

    if (event.kind === 'livestream') {
      const component = componentFor(occurrence, {});
      for (let index = firstBucket; index <= lastBucket; index++) {
        const fromMs = historyStartMs + index * stepMs;
        component.values[index - outputFrom] = (component.values[index - outputFrom] as number)
          + share * meanPulseRps(event, occurrence.startMs, occurrence.endMs, fromMs, fromMs + stepMs);
      }
      continue;
    }

    if (event.kind === 'promotion') {
      if (!promotionFactors.has(event.id)) {
        promotionFactors.set(event.id, event.uplift.kind === 'learn'
          ? learnFactor(input, event.uplift.pastStartsMs.map((startMs) => ({ startMs, endMs: startMs + event.durationMs })),
            (startMs, endMs, fromMs, toMs) => meanPromotionFraction(event, startMs, endMs, fromMs, toMs), input.profileAt)
          : undefined);
      }
      const learned = promotionFactors.get(event.id);
      const { factor, factorSource } = learned !== undefined
        ? { factor: learned.factor, factorSource: 'learned' as const }
        : event.uplift.kind === 'expected'
          ? { factor: event.uplift.factor, factorSource: 'stated' as const }
          : { factor: event.uplift.fallbackFactor, factorSource: 'fallback' as const };
      const component = componentFor(occurrence, { factor, factorSource, ...(learned ? { learnedFrom: learned.learnedFrom } : {}) });
      for (let index = firstBucket; index <= lastBucket; index++) {
        const fromMs = historyStartMs + index * stepMs;
        const fraction = meanPromotionFraction(event, occurrence.startMs, occurrence.endMs, fromMs, fromMs + stepMs);
        const base = Math.max(0, baselineAt(index));
        component.values[index - outputFrom] = (component.values[index - outputFrom] as number) + (factor - 1) * share * fraction * base;
      }
      continue;
    }

    // offline-retail daily window
    const startEdge = Math.floor((occurrence.startMs - historyStartMs) / stepMs) - 1;
    const endEdge = Math.ceil((occurrence.endMs - historyStartMs) / stepMs);
    const startLevel = expectedAt(startEdge);
    const endLevel = expectedAt(endEdge);
    const lineAt = (index: number): number => {
      const weight = endEdge === startEdge ? 0 : (index - startEdge) / (endEdge - startEdge);
      return Math.max(0, startLevel * (1 - weight) + endLevel * weight);
    };
    if (!retailFactors.has(occurrence.eventId)) {
      const past = input.occurrences
        .filter((other) => other.eventId === occurrence.eventId && other.endMs <= historyStartMs + n * stepMs)
        .slice(-(input.maxLearnedOccurrences ?? 28));
      retailFactors.set(occurrence.eventId, learnFactor(input, past,
        (startMs, endMs, fromMs, toMs) => meanRetailFraction(startMs, endMs, fromMs, toMs), undefined));
    }
    const learned = retailFactors.get(occurrence.eventId);
    const { factor, factorSource } = event.uplift.kind === 'expected'
      ? { factor: event.uplift.factor, factorSource: 'stated' as const }
      : learned !== undefined
        ? { factor: learned.factor, factorSource: 'learned' as const }
        : { factor: event.uplift.fallbackFactor, factorSource: 'fallback' as const };
    const component = componentFor(occurrence, { factor, factorSource, ...(learned ? { learnedFrom: learned.learnedFrom } : {}) });
    for (let index = firstBucket; index <= lastBucket; index++) {
      const fromMs = historyStartMs + index * stepMs;
      const fraction = meanRetailFraction(occurrence.startMs, occurrence.endMs, fromMs, fromMs + stepMs);
      const line = lineAt(index);
      component.values[index - outputFrom] = (component.values[index - outputFrom] as number) + (factor - 1) * share * fraction * line;
      if (input.baselineHasDailyWindows && learned !== undefined) {
        baselineBump[index - outputFrom] = (baselineBump[index - outputFrom] as number) + (learned.factor - 1) * share * fraction * line;
      }
    }
  }
  return { components: [...byName.values()], baselineBump };
}

type FractionOf = (startMs: number, endMs: number, fromMs: number, toMs: number) => number;

/**
 * Least-squares uplift of each past occurrence — y = B·(1 + (f − 1)·effect) — against the normal
 * level B (the event-free profile, or without one the straight line between the window's edges),
 * then the median over occurrences. Undefined when no occurrence lies in the history.
 */
function learnFactor(
  input: EventOverlayInput,
  windows: readonly { startMs: number; endMs: number }[],
  fractionOf: FractionOf,
  profileAt: ((index: number) => number) | undefined,
): { factor: number; learnedFrom: number } | undefined {
  const { history, historyStartMs, stepMs } = input;
  const n = history.length;
  const upliftEstimates: number[] = [];
  for (const window of windows) {
    const first = Math.max(0, Math.floor((window.startMs - historyStartMs) / stepMs));
    const last = Math.min(n - 1, Math.ceil((window.endMs - historyStartMs) / stepMs) - 1);
    if (last < first) continue;
    let normalAt: (index: number) => number;
    if (profileAt !== undefined) {
      // The profile where it is known; the event-free edges where it is not (no earlier cycle yet).
      const edges = edgeLine(input, first, last);
      normalAt = (index) => {
        const profile = profileAt(index);
        return Number.isFinite(profile) ? profile : edges !== undefined ? edges(index) : Number.NaN;
      };
    } else {
      const startEdge = first - 1;
      const endEdge = Math.ceil((window.endMs - historyStartMs) / stepMs);
      if (startEdge < 0 || endEdge >= n) continue;
      const startLevel = history[startEdge] as number;
      const endLevel = history[endEdge] as number;
      if (!Number.isFinite(startLevel) || !Number.isFinite(endLevel)) continue;
      normalAt = (index) => startLevel + ((endLevel - startLevel) * (index - startEdge)) / (endEdge - startEdge);
    }
    let numerator = 0;
    let denominator = 0;
    let weight = 0;
    for (let index = first; index <= last; index++) {
      const actual = history[index] as number;
      const normal = normalAt(index);
      if (!Number.isFinite(actual) || !Number.isFinite(normal) || normal <= 0) continue;
      const fromMs = historyStartMs + index * stepMs;
      const effect = fractionOf(window.startMs, window.endMs, fromMs, fromMs + stepMs) * normal;
      numerator += effect * (actual - normal);
      denominator += effect * effect;
      weight += effect / normal;
    }
    if (weight >= MIN_LEARNING_WEIGHT && denominator > 0) upliftEstimates.push(numerator / denominator);
  }
  if (upliftEstimates.length === 0) return undefined;
  return { factor: Math.max(0, 1 + medianOf(upliftEstimates)), learnedFrom: upliftEstimates.length };
}

/**
 * The straight line between the mean event-free level just before bucket `first` and just after
 * bucket `last` (EDGE_WINDOW_MS each side, masked history); flat at one side's level when only
 * that side lies in the history; undefined when neither has an event-free value.
 */
function edgeLine(input: EventOverlayInput, first: number, last: number): ((index: number) => number) | undefined {
  const values = input.maskedHistory ?? input.history;
  const width = Math.max(1, Math.round(EDGE_WINDOW_MS / input.stepMs));
  const meanOver = (from: number, to: number): number => {
    let sum = 0;
    let count = 0;
    for (let index = Math.max(0, from); index < Math.min(values.length, to); index++) {
      const value = values[index] as number;
      if (Number.isFinite(value)) {
        sum += value;
        count++;
      }
    }
    return count > 0 ? sum / count : Number.NaN;
  };
  const before = meanOver(first - width, first);
  const after = meanOver(last + 1, last + 1 + width);
  if (!Number.isFinite(before) && !Number.isFinite(after)) return undefined;
  if (!Number.isFinite(after)) return () => before;
  if (!Number.isFinite(before)) return () => after;
  const beforeCenter = first - (width + 1) / 2;
  const afterCenter = last + (width + 1) / 2;
  return (index) => before + ((after - before) * (index - beforeCenter)) / (afterCenter - beforeCenter);
}
