/**
 * Converts naive wall-clock readings of a trace into UTC instants for one IANA zone, with the
 * platform's Intl data. Offsets are cached per 15-minute UTC slot (every real zone changes offset
 * on a quarter-hour boundary), so an 84k-row file costs a few thousand Intl calls, not 170k.
 */

const SLOT_MS = 15 * 60_000;
const DAY_MS = 86_400_000;

export class ZoneOffsets {
  readonly timeZone: string;
  readonly isUtc: boolean;
  private readonly formatter: Intl.DateTimeFormat | undefined;
  private readonly offsetBySlot = new Map<number, number>();

  /** Throws RangeError for a zone the runtime does not know. */
  constructor(timeZone: string) {
    this.timeZone = timeZone;
    this.isUtc = timeZone === 'UTC' || timeZone === 'Etc/UTC';
    this.formatter = this.isUtc
      ? undefined
      : new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
  }

  /** UTC offset in milliseconds at instant `utcMs` (New York in summer → −4 h). */
  offsetAt(utcMs: number): number {
    if (this.formatter === undefined) return 0;
    const slot = Math.floor(utcMs / SLOT_MS);
    const cached = this.offsetBySlot.get(slot);
    if (cached !== undefined) return cached;
    const slotStartMs = slot * SLOT_MS;
    let year = 0;
    let month = 0;
    let day = 0;
    let hour = 0;
    let minute = 0;
    let second = 0;
    for (const part of this.formatter.formatToParts(slotStartMs)) {
      switch (part.type) {
        case 'year': year = Number(part.value); break;
        case 'month': month = Number(part.value); break;
        case 'day': day = Number(part.value); break;
        case 'hour': hour = Number(part.value); break;
        case 'minute': minute = Number(part.value); break;
        case 'second': second = Number(part.value); break;
        default: break;
      }
    }
    const offsetMs = Date.UTC(year, month - 1, day, hour, minute, second) - slotStartMs;
    this.offsetBySlot.set(slot, offsetMs);
    return offsetMs;
  }

  /**
   * The instants at which the zone's clock reads `wallMs` (a wall-clock reading expressed as if
   * it were UTC), earliest first: one normally, two in a fall-back overlap, none in a
   * spring-forward gap. Zones change offset at most once within two days, so the offsets a day
   * either side are the only candidates.
   */
  instantsOf(wallMs: number): number[] {
    if (this.formatter === undefined) return [wallMs];
    const offsetBeforeMs = this.offsetAt(wallMs - DAY_MS);
    const offsetAfterMs = this.offsetAt(wallMs + DAY_MS);
    const early = wallMs - Math.max(offsetBeforeMs, offsetAfterMs);
    const late = wallMs - Math.min(offsetBeforeMs, offsetAfterMs);
    const earlyValid = this.offsetAt(early) === wallMs - early;
    if (early === late) return earlyValid ? [early] : [];
    const lateValid = this.offsetAt(late) === wallMs - late;
    if (earlyValid && lateValid) return [early, late];
    if (earlyValid) return [early];
    if (lateValid) return [late];
    return [];
  }
}
