import { describe, expect, it } from 'vitest';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { stripAnsi } from '../../../src/report/ansi.ts';
import { renderPlanHtml } from '../../../src/report/plan-html.ts';
import { renderPlanTable } from '../../../src/report/plan-terminal.ts';
import { embeddedData, externalReferencePatterns } from './html-helpers.ts';
import { forecast, inventory, plan, promotionOccurrence } from './fixtures.ts';

describe('renderPlanTable', () => {
  const text = renderPlanTable(plan(), { color: false, timeZone: 'Asia/Shanghai', width: 100 });

  it('shows each workload with min, max and a sparkline in whole slots per column', () => {
    expect(text).toMatch(/payment\s+replicas\s+16\s+46\s+[▁-█]+/);
    expect(text).toMatch(/pool general\s+nodes\s+5\s+5/);
    expect(text).toContain('1 column = 3m');
  });

  it('lists the steps in time order with from→to, reason and message', () => {
    const stepLines = text.split('\n').filter((line) => /^11-11 \d\d:\d\d:\d\d/.test(line));
    expect(stepLines).toHaveLength(4);
    expect(stepLines[0]).toMatch(/19:56:00\s+19:58:00\s+settlement\s+45→30 ↓\s+offline-release\s+settlement gives 30 cores back/);
    expect(stepLines[1]).toMatch(/payment\s+16→46 ↑\s+forecast-increase/);
  });

  it('reports shortfalls with the brownout order', () => {
    const short: CapacityPlan = { ...plan(), shortfalls: [{ slotIndex: 61, workload: 'refund', missingReplicas: 3, message: 'cluster full at 20:01' }] };
    const shortText = renderPlanTable(short, { color: true, timeZone: 'Asia/Shanghai' });
    expect(stripAnsi(shortText)).toContain('capacity shortfall in 1 slot(s) — brownout order: refund → payment');
    expect(stripAnsi(shortText)).toMatch(/11-11 20:01\s+refund\s+3\s+cluster full/);
  });

  it('truncates long step lists and says how many are left', () => {
    expect(renderPlanTable(plan(), { color: false, maxSteps: 1 })).toContain('… 3 more steps');
  });
});

describe('renderPlanHtml', () => {
  const html = renderPlanHtml(plan(), { forecasts: [forecast()], inventory, events: [promotionOccurrence] });
  const data = embeddedData(html);

  it('draws replicas with the steps as markers carrying their messages', () => {
    const replicas = data.charts.find((chart) => chart.id === 'replicas');
    expect(replicas?.series.map((series) => series.label)).toEqual(['payment', 'settlement']);
    expect(replicas?.markers?.map((marker) => marker.text.split('\n')[2])).toEqual(plan().steps.map((step) => step.message));
  });

  it('stacks online and offline CPU from the inventory, under the allocatable CPU', () => {
    const cpu = data.charts.find((chart) => chart.id === 'cpu');
    expect(cpu?.series.map((series) => [series.label, series.stacked === true])).toEqual([['online', true], ['offline', true], ['allocatable', false]]);
    expect(cpu?.series[0]?.values[70]).toBe(46); // 46 payment replicas × 1 core
    expect(cpu?.series[1]?.values[70]).toBe(60); // 30 settlement replicas × 2 cores
    expect(cpu?.series[2]?.values[70]).toBe(160); // 5 nodes × 32 cores
  });

  it('draws each forecast against the planned capacity', () => {
    const chart = data.charts.find((candidate) => candidate.id === 'forecast-0');
    expect(chart?.series.at(-1)?.label).toBe('planned capacity (100 rps/replica)');
    expect(chart?.series.at(-1)?.values[70]).toBe(4600);
  });

  it('lists the steps and is self-contained', () => {
    for (const step of plan().steps) expect(html).toContain(step.message);
    for (const pattern of externalReferencePatterns) expect(html).not.toMatch(pattern);
  });

  it('without the inventory, says why there is no CPU chart and draws replicas against the forecast', () => {
    const bare = renderPlanHtml(plan(), { forecasts: [forecast()] });
    expect(bare).toContain('Pass the inventory');
    const chart = embeddedData(bare).charts.find((candidate) => candidate.id === 'forecast-0');
    expect(chart?.series.at(-1)).toMatchObject({ label: 'planned replicas', axis: 'right' });
  });
});
