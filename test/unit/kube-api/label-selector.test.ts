import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatRequirements, matchesRequirements, parseLabelSelector, requirementsOf } from '../../../src/kube-api/label-selector.ts';
import { ApiError } from '../../../src/kube-api/status.ts';

const labels = { app: 'web', tier: 'frontend', env: 'prod', 'chuanliu.io/managed': 'true' };

describe('label selectors (query string form)', () => {
  it.each([
    { name: 'empty selects all', selector: '', matches: true },
    { name: 'equality', selector: 'app=web', matches: true },
    { name: 'double equals', selector: 'app==web', matches: true },
    { name: 'equality miss', selector: 'app=api', matches: false },
    { name: 'inequality', selector: 'app!=api', matches: true },
    { name: 'inequality on missing key matches', selector: 'team!=payments', matches: true },
    { name: 'prefixed key', selector: 'chuanliu.io/managed=true', matches: true },
    { name: 'in', selector: 'env in (prod,staging)', matches: true },
    { name: 'in miss', selector: 'env in (dev, staging)', matches: false },
    { name: 'notin', selector: 'env notin (dev)', matches: true },
    { name: 'notin hit', selector: 'env notin (prod)', matches: false },
    { name: 'exists', selector: 'tier', matches: true },
    { name: 'does not exist', selector: '!tier', matches: false },
    { name: 'does not exist on missing key', selector: '!legacy', matches: true },
    { name: 'conjunction', selector: 'app=web,env in (prod),!legacy', matches: true },
    { name: 'conjunction with one miss', selector: 'app=web,env in (dev)', matches: false },
  ])('$name: "$selector"', ({ selector, matches }) => {
    expect(matchesRequirements(parseLabelSelector(selector), labels)).toBe(matches);
  });

  it.each([
    { name: 'bad key', selector: 'a b=c' },
    { name: 'bad value', selector: 'app=we b' },
    { name: 'value too long', selector: `app=${'x'.repeat(64)}` },
  ])('rejects $name with 400', ({ selector }) => {
    expect(() => parseLabelSelector(selector)).toThrow(ApiError);
    try {
      parseLabelSelector(selector);
    } catch (error) {
      expect((error as ApiError).code).toBe(400);
    }
  });

  it('spec selectors (matchLabels + matchExpressions) select like their string form', () => {
    const spec = { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'env', operator: 'In' as const, values: ['prod', 'dev'] }, { key: 'legacy', operator: 'DoesNotExist' as const }] };
    const requirements = requirementsOf(spec);
    expect(formatRequirements(requirements)).toBe('app=web,env in (prod,dev),!legacy');
    expect(matchesRequirements(requirements, labels)).toBe(true);
    expect(matchesRequirements(requirements, { ...labels, legacy: 'yes' })).toBe(false);
  });

  it('property: formatting then parsing a selector selects the same label sets', () => {
    const token = fc.stringMatching(/^[a-z][a-z0-9]{0,5}$/);
    const requirement = fc.oneof(
      fc.record({ key: token, operator: fc.constantFrom('in' as const, 'notin' as const), values: fc.array(token, { minLength: 1, maxLength: 3 }) }),
      fc.record({ key: token, operator: fc.constantFrom('exists' as const, 'doesnotexist' as const) }),
    );
    fc.assert(
      fc.property(fc.array(requirement, { maxLength: 4 }), fc.dictionary(token, token, { maxKeys: 4 }), (requirements, candidate) => {
        const reparsed = parseLabelSelector(formatRequirements(requirements));
        expect(matchesRequirements(reparsed, candidate)).toBe(matchesRequirements(requirements, candidate));
      }),
    );
  });
});
