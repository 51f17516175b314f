/** Calendar event occurrences on HTML reports: as chart bands and as a table with local times. */
import type { EventOccurrence } from '../../domain/calendar.ts';
import { formatDurationMs, formatLocalTime } from '../format.ts';
import type { EventBandSpec } from './chart-spec.ts';
import { escapeHtml } from './escape.ts';

/** The zone of the first event that states one (promotions and daily windows do), else UTC. */
export function reportTimeZone(events: readonly EventOccurrence[]): string {
  for (const occurrence of events) {
    if ('timeZone' in occurrence.event) return occurrence.event.timeZone;
  }
  return 'UTC';
}

export function eventBands(events: readonly EventOccurrence[]): EventBandSpec[] {
  return events.map((occurrence) => ({
    label: occurrence.label,
    kind: occurrence.kind,
    startSec: occurrence.startMs / 1000,
    endSec: occurrence.endMs / 1000,
  }));
}

export function renderEventsTableHtml(events: readonly EventOccurrence[], timeZone: string): string {
  if (events.length === 0) return '<p class="note">No calendar events in this period.</p>';
  const rows = [...events]
    .sort((a, b) => a.startMs - b.startMs || a.label.localeCompare(b.label))
    .map((occurrence) => `<tr><td class="text">${escapeHtml(occurrence.label)}</td><td class="text">${escapeHtml(occurrence.kind)}</td>`
      + `<td>${escapeHtml(formatLocalTime(occurrence.startMs, { timeZone, withSeconds: true }))}</td>`
      + `<td>${escapeHtml(formatLocalTime(occurrence.endMs, { timeZone, withSeconds: true }))}</td>`
      + `<td>${escapeHtml(formatDurationMs(occurrence.endMs - occurrence.startMs))}</td></tr>`)
    .join('\n');
  return `<table class="data events"><thead><tr><th class="text">event</th><th class="text">kind</th><th>start<span class="unit">${escapeHtml(timeZone)}</span></th><th>end<span class="unit">${escapeHtml(timeZone)}</span></th><th>duration</th></tr></thead><tbody>${rows}</tbody></table>`;
}
