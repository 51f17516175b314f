import { describe, expect, it } from 'vitest';
import { stripAnsi } from '../../../src/report/ansi.ts';
import { BEST_MARK, renderSimulationTable } from '../../../src/report/simulation-table.ts';
import type { SimulationResult } from '../../../src/simulator/result.ts';
import { score, simulationResult } from './fixtures.ts';

/** The table's body rows as strategy → cells (split on runs of 2+ spaces). */
function bodyRows(text: string): Map<string, string[]> {
  const lines = stripAnsi(text).split('\n');
  const ruler = lines.findIndex((line) => line.startsWith('─'));
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(ruler + 1)) {
    if (line.trim() === '') break;
    const cells = line.trim().split(/\s{2,}/);
    rows.set(cells[0] as string, cells.slice(1));
  }
  return rows;
}

const columnIndex = {
  unservedPercent: 0, unservedRequests: 1, onlineCoreHours: 5, offlineCoreHoursDone: 6, deadlines: 7, cost: 9, scalingWrites: 10,
} as const;

describe('renderSimulationTable', () => {
  const result = simulationResult();
  const plain = renderSimulationTable(result, { color: false });
  const rows = bodyRows(plain);

  it('has one row per strategy and units in the headers', () => {
    expect([...rows.keys()]).toEqual(['static-peak', 'hpa', 'keda-cron', 'oracle']);
    for (const unit of ['%', 'requests', 'rps', 'core-h', 'node-h', 'writes']) expect(plain).toContain(unit);
  });

  it.each([
    { name: 'lower-better: unserved % tie between static-peak and oracle', column: columnIndex.unservedPercent, marked: ['static-peak', 'oracle'] },
    { name: 'lower-better: online core-hours', column: columnIndex.onlineCoreHours, marked: ['oracle'] },
    { name: 'higher-better: offline core-hours done (tie hpa/oracle)', column: columnIndex.offlineCoreHoursDone, marked: ['hpa', 'oracle'] },
    { name: 'higher-better: deadlines met', column: columnIndex.deadlines, marked: ['oracle'] },
    { name: 'lower-better: cost, three-way tie', column: columnIndex.cost, marked: ['hpa', 'keda-cron', 'oracle'] },
    { name: 'lower-better: scaling writes', column: columnIndex.scalingWrites, marked: ['static-peak'] },
  ])('$name', ({ column, marked }) => {
    const winners = [...rows].filter(([, cells]) => cells[column]?.endsWith(BEST_MARK)).map(([strategy]) => strategy);
    expect(winners).toEqual(marked);
  });

  it('formats numbers compactly', () => {
    expect(rows.get('hpa')?.[columnIndex.unservedRequests]).toBe('52k');
    expect(rows.get('hpa')?.[columnIndex.unservedPercent]).toBe('5.2%');
  });

  it('marks nothing when all strategies are equal', () => {
    const equal: SimulationResult = { ...result, scores: [score('a'), score('b')] };
    expect(renderSimulationTable(equal, { color: false })).not.toMatch(/\d★/);
  });

  it('in color, highlights the same cells instead of starring them, and aligns identically', () => {
    const colored = renderSimulationTable(result, { color: true });
    expect(colored).toMatch(/\u001b\[1m\u001b\[32m120\u001b\[39m\u001b\[22m/);
    expect(stripAnsi(colored)).not.toContain(BEST_MARK + ' ');
    const coloredRows = bodyRows(colored);
    expect(coloredRows.get('oracle')?.[columnIndex.onlineCoreHours]).toBe('120');
    // Same headers and ruler → same column widths with and without color.
    const header = (text: string): string[] => stripAnsi(text).split('\n').slice(3, 6);
    expect(header(colored)).toEqual(header(plain));
  });

  it('labels synthetic traffic', () => {
    expect(plain.split('\n')[0]).toContain('SYNTHETIC');
    const real = renderSimulationTable({ ...result, scenario: { ...result.scenario, synthetic: false } }, { color: false });
    expect(real).not.toContain('SYNTHETIC');
  });
});
