import { describe, expect, it } from 'vitest';
import { FaultInjector, type FaultRule } from '../../../src/kube-api/faults.ts';

const patchScale = { verb: 'patch' as const, resource: 'deployments/scale', namespace: 'shop', name: 'web' };
const getDeployment = { verb: 'get' as const, resource: 'deployments', namespace: 'shop', name: 'web' };

function failures(rules: FaultRule[], seed: number, count: number): (string | undefined)[] {
  const injector = new FaultInjector({ seed, rules });
  return Array.from({ length: count }, () => injector.decide(patchScale).failure);
}

describe('fault injection', () => {
  it('the same seed fails the same requests', () => {
    const rules = [{ errorRate: 0.3, throttleRate: 0.2 }];
    expect(failures(rules, 7, 200)).toEqual(failures(rules, 7, 200));
    expect(failures(rules, 7, 200)).not.toEqual(failures(rules, 8, 200));
  });

  it('rates are honoured roughly over many draws', () => {
    const drawn = failures([{ errorRate: 0.25 }], 3, 4000).filter((failure) => failure === 'error').length;
    expect(drawn / 4000).toBeGreaterThan(0.2);
    expect(drawn / 4000).toBeLessThan(0.3);
  });

  it('a storm of N stops after N failures but keeps adding latency', () => {
    const injector = new FaultInjector({ rules: [{ conflictRate: 1, maxFailures: 3, latencyMs: 10 }] });
    const decisions = Array.from({ length: 5 }, () => injector.decide(patchScale));
    expect(decisions.map((decision) => decision.failure)).toEqual(['conflict', 'conflict', 'conflict', undefined, undefined]);
    expect(decisions.every((decision) => decision.latencyMs === 10)).toBe(true);
  });

  it.each([
    { name: 'verb filter', match: { verbs: ['patch' as const] }, hitsPatch: true, hitsGet: false },
    { name: 'resource with subresource', match: { resources: ['deployments/scale'] }, hitsPatch: true, hitsGet: false },
    { name: 'plain resource also matches its subresources', match: { resources: ['deployments'] }, hitsPatch: true, hitsGet: true },
    { name: 'namespace filter', match: { namespaces: ['other'] }, hitsPatch: false, hitsGet: false },
    { name: 'no filter', match: undefined, hitsPatch: true, hitsGet: true },
  ])('matching: $name', ({ match, hitsPatch, hitsGet }) => {
    const injector = new FaultInjector({ rules: [{ errorRate: 1, ...(match ? { match } : {}) }] });
    expect(injector.decide(patchScale).failure === 'error').toBe(hitsPatch);
    expect(injector.decide(getDeployment).failure === 'error').toBe(hitsGet);
  });

  it('conflicts are only injected into writes, and 429s carry Retry-After', () => {
    const injector = new FaultInjector({ rules: [{ conflictRate: 1 }, { throttleRate: 1, retryAfterSeconds: 2 }] });
    expect(injector.decide(patchScale).failure).toBe('conflict');
    expect(injector.decide(getDeployment)).toMatchObject({ failure: 'throttle', retryAfterSeconds: 2 });
  });

  it.each([{ errorRate: 1.5 }, { dropRate: -0.1 }, { latencyMs: -5 }])('rejects nonsense rule %j', (rule) => {
    expect(() => new FaultInjector({ rules: [rule] })).toThrow(RangeError);
  });
});
