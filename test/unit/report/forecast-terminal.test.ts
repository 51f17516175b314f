import { describe, expect, it } from 'vitest';
import type { Forecast } from '../../../src/domain/forecast.ts';
import { stripAnsi, visibleWidth } from '../../../src/report/ansi.ts';
import { forecastPeak, quantileLabel } from '../../../src/report/forecast-summary.ts';
import { renderForecastTerminal } from '../../../src/report/forecast-terminal.ts';
import { forecast, history } from './fixtures.ts';

describe('forecastPeak', () => {
  it('finds the bucket where the top quantile peaks and the components there', () => {
    const peak = forecastPeak(forecast());
    expect(peak?.bucketIndex).toBe(61);
    expect(peak?.quantileValues.map((entry) => entry.quantile)).toEqual([0.5, 0.9, 0.99]);
    const shares = peak?.components.map((component) => component.sharePercent) ?? [];
    expect(shares.reduce((sum, share) => sum + share, 0)).toBeCloseTo(100, 9);
    expect(peak?.components.find((component) => component.kind === 'promotion')?.value).toBe(2000);
  });

  it('is undefined for a forecast without finite values', () => {
    const empty: Forecast = { ...forecast(), bands: [new Float64Array([Number.NaN])] };
    expect(forecastPeak(empty)).toBeUndefined();
  });

  it.each([
    { quantile: 0.5, label: 'p50' }, { quantile: 0.99, label: 'p99' }, { quantile: 0.999, label: 'p99.9' },
  ])('quantileLabel($quantile) = $label', ({ quantile, label }) => {
    expect(quantileLabel(quantile)).toBe(label);
  });
});

describe('renderForecastTerminal', () => {
  const options = { width: 90, height: 14, color: false, timeZone: 'Asia/Shanghai' };

  it('draws the band within the width, with a time axis and the peak table', () => {
    const text = renderForecastTerminal(forecast(), options);
    const lines = text.split('\n');
    const chartLines = lines.slice(1, 1 + 14);
    for (const line of chartLines) expect(visibleWidth(line)).toBeLessThanOrEqual(90);
    expect(chartLines.some((line) => /[╭╮╰╯─│]/.test(line))).toBe(true);
    expect(text).toMatch(/19:00\s+19:30\s+20:00/);
    expect(text).toContain('peak 11-11 20:01 Asia/Shanghai: p50 3.5k  p90 4.02k  p99 4.72k requests/s');
    expect(text).toMatch(/promotion:tmall-2000\s+promotion\s+2k\s+57\.1%/);
    expect(text).not.toContain('\u001b[');
  });

  it('draws the history tail before the forecast start, marked ▲', () => {
    const text = renderForecastTerminal(forecast(), { ...options, history: history() });
    expect(text).toContain('── actual');
    expect(text).toContain('▲ forecast start');
    expect(text).toMatch(/18:00/);
    const axis = text.split('\n').find((line) => line.includes('└')) ?? '';
    const label = text.split('\n')[text.split('\n').indexOf(axis) + 1] ?? '';
    // The ▲ sits above the 19:00 label.
    expect(axis.indexOf('▲')).toBe(label.indexOf('19:00'));
  });

  it('colors the quantile lines when asked', () => {
    const text = renderForecastTerminal(forecast(), { ...options, color: true });
    expect(text).toContain('\u001b[31m');
    expect(stripAnsi(text)).toContain('── p99');
  });

  it('says so when the forecast is empty', () => {
    const empty: Forecast = { ...forecast(), bands: [new Float64Array(0)], components: [] };
    expect(renderForecastTerminal(empty, options)).toContain('empty forecast');
  });
});
