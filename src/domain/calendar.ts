/**
 * The peak calendar: what is known in advance about tomorrow's stacked peaks. Parsed from
 * forecasts/*.yaml; all times are resolved to epoch milliseconds (UTC) at parse time, so the
 * forecaster never touches time zones.
 */

/**
 * Uplift of a promotion: stated by the operator, or learned from past occurrences in the history.
 * A factor multiplies the baseline at full effect: the event adds (factor − 1) × baseline
 * (shapes in event-shapes.ts).
 */
export type UpliftSpec =
  | { readonly kind: 'expected'; readonly factor: number }
  | { readonly kind: 'learn'; readonly fallbackFactor: number; readonly pastStartsMs: readonly number[] };

export interface PromotionEvent {
  readonly kind: 'promotion';
  readonly id: string;
  readonly platform: string;
  readonly startMs: number;
  readonly durationMs: number;
  /** IANA zone the start was written in (kept for display). */
  readonly timeZone: string;
  /** Time from the start to the full uplift. */
  readonly rampMs: number;
  readonly uplift: UpliftSpec;
  /** Online workloads affected; empty = all. */
  readonly workloads: readonly string[];
}

/** A daily in-store (brick-and-mortar) payment window, e.g. 18:00–22:00 local time. */
export interface OfflineRetailWindow {
  readonly kind: 'offline-retail';
  readonly id: string;
  readonly timeZone: string;
  /** Minutes after local midnight. */
  readonly startMinuteOfDay: number;
  /**
   * Minutes after local midnight; a value ≤ startMinuteOfDay means the window ends the next day
   * (crosses midnight), 1440 means midnight at the end of the day.
   */
  readonly endMinuteOfDay: number;
  readonly uplift: UpliftSpec;
  readonly workloads: readonly string[];
}

/** Shape of a livestream flash-sale pulse: steep rise, exponential decay. */
export interface PulseShape {
  readonly riseMs: number;
  readonly decayHalfLifeMs: number;
}

export interface LivestreamSession {
  readonly kind: 'livestream';
  readonly id: string;
  readonly host: string;
  readonly startMs: number;
  readonly durationMs: number;
  /** Additional requests/s at the top of the pulse. */
  readonly expectedPeakRps: number;
  readonly pulse: PulseShape;
  readonly workloads: readonly string[];
}

export type CalendarEvent = PromotionEvent | OfflineRetailWindow | LivestreamSession;

/** A region in another time zone: its share of traffic gets its own, shifted, daily windows. */
export interface Region {
  readonly name: string;
  readonly timeZone: string;
  readonly trafficShare: number;
  /**
   * Ids of promotions that also roll into this region: they start again at the same local wall-clock
   * time in the region's zone. Daily offline-retail windows always repeat in every region.
   * Undefined = none.
   */
  readonly rollingEventIds?: readonly string[];
}

export interface PeakCalendar {
  readonly name: string;
  /** True when the calendar describes an invented day (tests, demos); shown in every report. */
  readonly synthetic: boolean;
  readonly source: string;
  readonly events: readonly CalendarEvent[];
  readonly regions: readonly Region[];
}

/** One concrete occurrence of an event inside a time range (daily windows expanded). */
export interface EventOccurrence {
  readonly eventId: string;
  readonly kind: CalendarEvent['kind'];
  readonly label: string;
  readonly startMs: number;
  readonly endMs: number;
  readonly event: CalendarEvent;
  /** Region this occurrence belongs to; undefined = the calendar's home zone. */
  readonly region?: string;
  /**
   * Share of the workload's traffic the occurrence applies to (the region's share, or what the regions
   * leave to the home zone); undefined = 1. A consumer weights the event's uplift by it.
   */
  readonly trafficShare?: number;
}
