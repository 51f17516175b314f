/**
 * Bucket averages of the calendar's event shapes (src/domain/event-shapes.ts), computed exactly, so
 * a 30-second ramp inside a 30-minute bucket counts for what it is and a pulse that rises in 10 s and
 * decays with a 1-minute half-life adds its true mean rate to the bucket it falls in.
 */
import type { LivestreamSession, PromotionEvent } from '../domain/calendar.ts';

/** Mean over [fromMs, toMs) of the promotion's effect fraction (linear ramp to 1, flat to the end). */
export function meanPromotionFraction(event: Pick<PromotionEvent, 'rampMs'>, startMs: number, endMs: number, fromMs: number, toMs: number): number {
  const lo = Math.max(fromMs, startMs);
  const hi = Math.min(toMs, endMs);
  if (!(hi > lo) || !(toMs > fromMs)) return 0;
  const rampEnd = startMs + Math.max(0, event.rampMs);
  let integral = 0;
  if (lo < rampEnd && event.rampMs > 0) {
    const a = lo - startMs;
    const b = Math.min(hi, rampEnd) - startMs;
    integral += (b * b - a * a) / (2 * event.rampMs);
  }
  const flatFrom = Math.max(lo, rampEnd);
  if (hi > flatFrom) integral += hi - flatFrom;
  return integral / (toMs - fromMs);
}

/** Mean over [fromMs, toMs) of the in-store window's sin² effect fraction. */
export function meanRetailFraction(startMs: number, endMs: number, fromMs: number, toMs: number): number {
  const lo = Math.max(fromMs, startMs);
  const hi = Math.min(toMs, endMs);
  if (!(hi > lo) || !(toMs > fromMs)) return 0;
  const length = endMs - startMs;
  // ∫ sin²(πx) dx = x/2 − sin(2πx)/(4π), with x the position in the window.
  const antiderivative = (timeMs: number): number => {
    const x = (timeMs - startMs) / length;
    return x / 2 - Math.sin(2 * Math.PI * x) / (4 * Math.PI);
  };
  return ((antiderivative(hi) - antiderivative(lo)) * length) / (toMs - fromMs);
}

/** Mean requests/s over [fromMs, toMs) of a livestream pulse (linear rise, exponential decay). */
export function meanPulseRps(session: Pick<LivestreamSession, 'expectedPeakRps' | 'pulse'>, startMs: number, endMs: number, fromMs: number, toMs: number): number {
  const lo = Math.max(fromMs, startMs);
  const hi = Math.min(toMs, endMs);
  if (!(hi > lo) || !(toMs > fromMs)) return 0;
  const { riseMs, decayHalfLifeMs } = session.pulse;
  const peak = session.expectedPeakRps;
  const riseEnd = startMs + Math.max(0, riseMs);
  let integral = 0;
  if (lo < riseEnd && riseMs > 0) {
    const a = lo - startMs;
    const b = Math.min(hi, riseEnd) - startMs;
    integral += (peak * (b * b - a * a)) / (2 * riseMs);
  }
  const decayFrom = Math.max(lo, riseEnd);
  if (hi > decayFrom) {
    const a = decayFrom - riseEnd;
    const b = hi - riseEnd;
    integral += decayHalfLifeMs > 0
      ? (peak * decayHalfLifeMs / Math.LN2) * (2 ** (-a / decayHalfLifeMs) - 2 ** (-b / decayHalfLifeMs))
      : 0;
  }
  return integral / (toMs - fromMs);
}
