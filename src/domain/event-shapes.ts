/**
 * The time shapes of calendar events, shared by the forecaster (to overlay them) and the synthetic
 * traffic generator (to draw them), so both mean the same thing by "uplift 3 with a 5-minute ramp".
 * Pure. Each returns a value for an instant `timeMs` of an occurrence [startMs, endMs).
 *
 * Uplift factors multiply the baseline at full effect: an event with factor f adds (f − 1) × baseline.
 */
import type { LivestreamSession, PromotionEvent } from './calendar.ts';

/** Fraction in [0, 1] of a promotion's full effect: a linear ramp over `rampMs`, then flat until the end. */
export function promotionEffectFraction(event: Pick<PromotionEvent, 'rampMs'>, startMs: number, endMs: number, timeMs: number): number {
  if (timeMs < startMs || timeMs >= endMs) return 0;
  if (event.rampMs <= 0) return 1;
  return Math.min(1, (timeMs - startMs) / event.rampMs);
}

/**
 * Fraction in [0, 1] of an offline-retail window's full effect: sin²(π·x) over the window, so the
 * in-store peak builds up after opening, tops out in the middle (20:00 for 18:00–22:00) and fades
 * out, the shape card-payment traffic shows.
 */
export function retailWindowEffectFraction(startMs: number, endMs: number, timeMs: number): number {
  if (timeMs < startMs || timeMs >= endMs) return 0;
  const phase = Math.sin((Math.PI * (timeMs - startMs)) / (endMs - startMs));
  return phase * phase;
}

/**
 * Additional requests/s of a livestream pulse: a linear rise to `expectedPeakRps` over `riseMs`
 * (the link goes live, buyers pile in within seconds), then exponential decay with the stated
 * half-life (stock sells out); zero outside [startMs, endMs).
 */
export function livestreamPulseRps(
  session: Pick<LivestreamSession, 'expectedPeakRps' | 'pulse'>,
  startMs: number,
  endMs: number,
  timeMs: number,
): number {
  if (timeMs < startMs || timeMs >= endMs) return 0;
  const sinceStartMs = timeMs - startMs;
  const { riseMs, decayHalfLifeMs } = session.pulse;
  if (sinceStartMs < riseMs) return session.expectedPeakRps * (sinceStartMs / riseMs);
  return session.expectedPeakRps * 2 ** (-(sinceStartMs - riseMs) / decayHalfLifeMs);
}

/**
 * Peak requests/s of a pulse that carries `totalRequests` (audience × conversion × requests per
 * purchase): the area under the shape above is peak × (rise / 2 + halfLife / ln 2).
 */
export function pulsePeakRpsForTotal(totalRequests: number, pulse: { riseMs: number; decayHalfLifeMs: number }): number {
  const areaSecondsPerPeakRps = (pulse.riseMs / 2 + pulse.decayHalfLifeMs / Math.LN2) / 1000;
  return totalRequests / areaSecondsPerPeakRps;
}
