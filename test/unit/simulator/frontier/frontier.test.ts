import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  cheapestServing, compareCurves, dominates, frontierVerdict, type FrontierPoint,
} from '../../../../src/simulator/frontier/frontier.ts';

function point(strategy: string, unservedRequests: number, onlineCoreHours: number, extra: Partial<FrontierPoint> = {}): FrontierPoint {
  return { strategy, label: extra.label ?? `${strategy} ${unservedRequests}/${onlineCoreHours}`, isDefault: false, unservedRequests, demandRequests: 1_000_000, onlineCoreHours, ...extra };
}

const chuanliuDefault = (unserved: number, coreHours: number): FrontierPoint => point('chuanliu', unserved, coreHours, { isDefault: true, label: 'chuanliu (defaults)' });

describe('dominates', () => {
  it.each([
    { name: 'fewer unserved, same cost', a: [10, 100], b: [20, 100], expected: true },
    { name: 'same unserved, cheaper', a: [10, 90], b: [10, 100], expected: true },
    { name: 'both better', a: [0, 50], b: [10, 100], expected: true },
    { name: 'identical points do not dominate', a: [10, 100], b: [10, 100], expected: false },
    { name: 'cheaper but serves worse', a: [30, 50], b: [10, 100], expected: false },
    { name: 'serves better but costs more', a: [0, 150], b: [10, 100], expected: false },
  ])('$name', ({ a, b, expected }) => {
    expect(dominates(point('hpa', a[0] as number, a[1] as number), point('chuanliu', b[0] as number, b[1] as number))).toBe(expected);
  });

  it('is irreflexive and antisymmetric', () => {
    const arbitraryPoint = fc.tuple(fc.nat(1000), fc.nat(1000)).map(([u, c]) => point('x', u, c));
    fc.assert(fc.property(arbitraryPoint, arbitraryPoint, (a, b) => {
      expect(dominates(a, a)).toBe(false);
      expect(dominates(a, b) && dominates(b, a)).toBe(false);
    }));
  });
});

describe('frontierVerdict', () => {
  const yardsticks = [
    point('hpa', 1467, 393, { label: 'hpa 20%' }),
    point('hpa', 9063, 305, { label: 'hpa 30%' }),
    point('hpa', 16799, 252, { label: 'hpa 40%' }),
    point('static-peak', 0, 3336, { label: 'static-peak' }),
    point('keda-cron', 170_350, 172, { label: 'keda-cron' }),
    point('oracle', 0, 145, { label: 'oracle' }),
  ];

  it.each([
    { name: 'between two HPA targets: compared with the cheaper one that serves as well', chuanliu: [5000, 270], cheapest: 'hpa 20%', iso: 270 / 393, dominated: [] as string[] },
    { name: 'the issue\'s twitter figures: dominated by HPA 20 % and 30 %', chuanliu: [10_608, 672], cheapest: 'hpa 30%', iso: 672 / 305, dominated: ['hpa 20%', 'hpa 30%'] },
    { name: 'serves everything: only static-peak serves as well (the oracle never counts)', chuanliu: [0, 700], cheapest: 'static-peak', iso: 700 / 3336, dominated: [] },
  ])('$name', ({ chuanliu, cheapest, iso, dominated }) => {
    const verdict = frontierVerdict([...yardsticks, chuanliuDefault(chuanliu[0] as number, chuanliu[1] as number)]);
    expect(verdict.cheapestAsGood?.label).toBe(cheapest);
    expect(verdict.isoServiceRatio).toBeCloseTo(iso, 10);
    expect(verdict.dominatedBy.map((entry) => entry.label)).toEqual(dominated);
    expect(verdict.coreHoursVsOracle).toBeCloseTo((chuanliu[1] as number) / 145, 10);
  });

  it('has no iso ratio when no yardstick serves as well', () => {
    const verdict = frontierVerdict([point('hpa', 100, 50), point('oracle', 0, 40), chuanliuDefault(0, 60)]);
    expect(verdict.cheapestAsGood).toBeUndefined();
    expect(verdict.isoServiceRatio).toBeUndefined();
    expect(verdict.dominatedBy).toEqual([]);
  });

  it('refuses points without a default chuanliu point', () => {
    expect(() => frontierVerdict(yardsticks)).toThrow(/no default chuanliu point/);
  });

  it('dominated exactly when some yardstick is no worse on both axes and better on one (property)', () => {
    const arbitraryPoints = fc.array(fc.tuple(fc.nat(50), fc.nat(50)), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(arbitraryPoints, fc.tuple(fc.nat(50), fc.nat(50)), (hpaPoints, [u, c]) => {
      const points = [...hpaPoints.map(([pu, pc]) => point('hpa', pu, pc)), chuanliuDefault(u, c)];
      const verdict = frontierVerdict(points);
      const expected = hpaPoints.some(([pu, pc]) => pu <= u && pc <= c && (pu < u || pc < c));
      expect(verdict.dominatedBy.length > 0).toBe(expected);
      // The iso ratio's yardstick serves at least as well and no yardstick serving as well is cheaper.
      if (verdict.cheapestAsGood !== undefined) {
        expect(verdict.cheapestAsGood.unservedRequests).toBeLessThanOrEqual(u);
        expect(hpaPoints.every(([pu, pc]) => pu > u || pc >= (verdict.cheapestAsGood as FrontierPoint).onlineCoreHours)).toBe(true);
      }
    }));
  });
});

describe('compareCurves', () => {
  it('compares the cheapest point serving each level, only where both curves reach', () => {
    const hpa = [point('hpa', 1000, 400), point('hpa', 5000, 300), point('hpa', 20_000, 200)];
    const chuanliu = [point('chuanliu', 500, 500), point('chuanliu', 3000, 280), point('chuanliu', 10_000, 210)];
    const comparison = compareCurves(chuanliu, hpa);
    expect(comparison.levels.map((level) => level.unservedRequests)).toEqual([1000, 3000, 5000, 10_000]);
    expect(comparison.levels.map((level) => [level.chuanliuCoreHours, level.hpaCoreHours])).toEqual([[500, 400], [280, 400], [280, 300], [210, 300]]);
    expect(comparison.chuanliuBelow).toBe(false);
  });

  it('says below when chuanliu is no dearer at every level', () => {
    const comparison = compareCurves([point('chuanliu', 100, 300), point('chuanliu', 900, 200)], [point('hpa', 50, 400), point('hpa', 1000, 250)]);
    expect(comparison.chuanliuBelow).toBe(true);
  });

  it('has no verdict when the ranges do not overlap', () => {
    expect(compareCurves([point('chuanliu', 0, 300)], [point('hpa', 10, 100)])).toEqual({ levels: [] });
  });

  it('cheapestServing ignores points that serve worse', () => {
    expect(cheapestServing([point('hpa', 10, 5), point('hpa', 2, 9)], 5)?.onlineCoreHours).toBe(9);
    expect(cheapestServing([point('hpa', 10, 5)], 5)).toBeUndefined();
  });
});
