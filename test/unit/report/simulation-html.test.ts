import { describe, expect, it } from 'vitest';
import { renderSimulationHtml } from '../../../src/report/simulation-html.ts';
import type { SimulationResult } from '../../../src/simulator/result.ts';
import { embeddedData, externalReferencePatterns, urlOccurrences } from './html-helpers.ts';
import { demandAt, simulationResult } from './fixtures.ts';

const strategies = ['static-peak', 'hpa', 'keda-cron', 'oracle'];

describe('renderSimulationHtml', () => {
  const result = simulationResult();
  const html = renderSimulationHtml(result);
  const data = embeddedData(html);

  it('embeds every chart with its series as JSON', () => {
    expect(data.charts.map((chart) => chart.id)).toEqual([
      'total-capacity', 'total-unserved', 'w0-capacity', 'w0-unserved', 'w1-capacity', 'w1-unserved', 'cpu-online', 'cpu-offline',
    ]);
    const payment = data.charts.find((chart) => chart.title.startsWith('payment — demand'));
    expect(payment?.series.map((series) => series.label)).toEqual(['demand', ...strategies]);
    expect(payment?.series[0]?.values[70]).toBeCloseTo(demandAt(70, 1000), 0);
    expect(payment?.count).toBe(180);
    expect(payment?.stepSec).toBe(60);
    for (const chart of data.charts) expect(html).toContain(`data-chart="${chart.id}"`);
  });

  it('puts the calendar events on the time axis in their zone', () => {
    expect(data.timeZone).toBe('Asia/Shanghai');
    expect(data.events).toEqual([{ label: 'tmall 20:00 promotion', kind: 'promotion', startSec: Date.UTC(2024, 10, 11, 12) / 1000, endSec: Date.UTC(2024, 10, 11, 12, 30) / 1000 }]);
    expect(html).toContain('11-11 20:00:00');
  });

  it('has one score row per strategy with the best cells highlighted', () => {
    const rows = [...html.matchAll(/<tr data-strategy="([^"]+)">/g)].map((match) => match[1]);
    expect(rows).toEqual(strategies);
    const oracleRow = /<tr data-strategy="oracle">([\s\S]*?)<\/tr>/.exec(html)?.[1] ?? '';
    expect(oracleRow).toMatch(/class="best"[^>]*>120 ★/);
  });

  it('loads nothing from the network: every URL is text', () => {
    for (const pattern of externalReferencePatterns) expect(html).not.toMatch(pattern);
    const withUrl = renderSimulationHtml({ ...result, scenario: { ...result.scenario, trafficSource: 'NAB, https://example.org/nab (AGPL)' } });
    for (const pattern of externalReferencePatterns) expect(withUrl).not.toMatch(pattern);
    // The uPlot licence banner and the attribution text are the only URLs.
    expect(urlOccurrences(withUrl).sort()).toEqual(['https://example.org/nab', 'https://github.com/leeoniya/uPlot'].sort());
    expect(withUrl).toContain('Traffic: NAB, https://example.org/nab (AGPL)');
  });

  it('shows the SYNTHETIC badge only for synthetic traffic', () => {
    expect(html).toContain('>SYNTHETIC</span>');
    const real = renderSimulationHtml({ ...result, scenario: { ...result.scenario, synthetic: false } });
    expect(real).not.toContain('>SYNTHETIC</span>');
  });

  it('escapes names so they cannot break out of the page or the data', () => {
    const hostile = '</script><img src=x onerror=alert(1)>';
    const page = renderSimulationHtml({ ...result, scenario: { ...result.scenario, name: hostile } });
    expect(page).not.toContain('<img src=x');
    expect(page.match(/<\/script>/g)?.length).toBe(3);
    expect(embeddedData(page).charts.length).toBe(data.charts.length);
  });

  it('stays small for a day at 1 s resolution: series are bucketed to at most 5,000 points', () => {
    const day = simulationResult({ steps: 86_400, stepMinutes: 1 / 60 });
    const page = renderSimulationHtml(day);
    expect(page.length).toBeLessThan(1_500_000);
    for (const chart of embeddedData(page).charts) {
      expect(chart.count).toBeLessThanOrEqual(5000);
      for (const series of chart.series) expect(series.values.length).toBe(chart.count);
    }
    expect(page).toContain('drawn in buckets of');
  });

  it('draws only the first workloads one by one when there are many, and says so', () => {
    const page = renderSimulationHtml(simulationResult({ workloads: ['a', 'b', 'c'] }), { maxWorkloadCharts: 1 });
    expect(embeddedData(page).charts.filter((chart) => /^w\d+-capacity$/.test(chart.id))).toHaveLength(1);
    expect(page).toContain('Showing 1 of 3 online workloads');
  });

  it('refuses timelines that do not share a time axis', () => {
    const [first, second, ...rest] = result.timelines;
    const shifted: SimulationResult = { ...result, timelines: [first!, { ...second!, startMs: second!.startMs + 1000 }, ...rest] };
    expect(() => renderSimulationHtml(shifted)).toThrow(/not aligned: strategy hpa/);
  });

  it('is deterministic', () => {
    expect(renderSimulationHtml(simulationResult())).toBe(html);
  });
});
