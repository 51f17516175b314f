import { describe, expect, it } from 'vitest';
import { renderForecastHtml } from '../../../src/report/forecast-html.ts';
import { embeddedData, externalReferencePatterns } from './html-helpers.ts';
import { forecast, history, promotionOccurrence } from './fixtures.ts';

describe('renderForecastHtml', () => {
  const html = renderForecastHtml(forecast(), history(), { events: [promotionOccurrence], synthetic: true });
  const data = embeddedData(html);

  it('draws the band with the actual history on one grid extended over the tail', () => {
    const band = data.charts.find((chart) => chart.id === 'band');
    expect(band?.series.map((series) => series.label)).toEqual(['p50', 'p90', 'p99', 'actual']);
    // The history starts an hour before the forecast, inside the default tail (half of 3 h).
    expect(band?.count).toBe(60 + 180);
    expect(band?.startSec).toBe((forecast().startMs - 60 * 60_000) / 1000);
    const actual = band?.series[3]?.values ?? [];
    expect(actual[20]).toBeNull(); // the NaN in the history is a gap, not zero
    expect(actual[21]).toBeCloseTo(history().values[21] as number, 1);
    expect(band?.series[0]?.values[0]).toBeNull(); // no forecast before its start
    expect(band?.bands).toHaveLength(2);
  });

  it('stacks the components of the median', () => {
    const components = data.charts.find((chart) => chart.id === 'components');
    expect(components?.series.map((series) => series.label)).toEqual(['baseline', 'offline-retail:evening', 'promotion:tmall-2000']);
    expect(components?.series.every((series) => series.stacked)).toBe(true);
  });

  it('states the peak and is self-contained', () => {
    expect(html).toContain('11-11 20:01');
    expect(html).toContain('>SYNTHETIC</span>');
    for (const pattern of externalReferencePatterns) expect(html).not.toMatch(pattern);
  });

  it('works without history', () => {
    const band = embeddedData(renderForecastHtml(forecast())).charts.find((chart) => chart.id === 'band');
    expect(band?.series.map((series) => series.label)).toEqual(['p50', 'p90', 'p99']);
    expect(band?.count).toBe(180);
  });
});
