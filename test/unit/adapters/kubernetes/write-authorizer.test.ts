import { describe, expect, it } from 'vitest';
import { requestsOf, WriteAuthorizer, type ResourceAttributes } from '../../../../src/adapters/kubernetes/write-authorizer.ts';
import type { ClusterWrite, WriteProvenance } from '../../../../src/ports/cluster.ts';

const provenance: WriteProvenance = { planId: 'p', stepId: 's', reason: 'r', message: 'm', atMs: 0 };
const deployment = { apiKind: 'Deployment', namespace: 'payments', name: 'checkout' } as const;
const cronJob = { apiKind: 'CronJob', namespace: 'batch', name: 'nightly' } as const;
const scaleCheckout: ClusterWrite = { kind: 'replicas', ref: deployment, replicas: 4, provenance };
const suspendNightly: ClusterWrite = { kind: 'cronjob-suspend', ref: cronJob, suspend: true, provenance };
const placeholderOf = (pool: string) => (pool === 'burst' ? { apiKind: 'Deployment' as const, namespace: 'chuanliu-system', name: 'burst-placeholder' } : undefined);

function text(request: ResourceAttributes): string {
  return `${request.verb} ${request.group}/${request.resource}${request.subresource ? `/${request.subresource}` : ''} ${request.namespace}/${request.name ?? '*'}`;
}

/** A reviewer standing in for the API server's authorizer: `rules` are the allowed "verb group/resource namespace" and optional "/name". */
function reviewer(rules: string[]) {
  const asked: string[] = [];
  const review = async (request: ResourceAttributes) => {
    asked.push(text(request));
    const base = `${request.verb} ${request.group}/${request.resource}${request.subresource ? `/${request.subresource}` : ''} ${request.namespace}`;
    const allowed = rules.includes(base) || (request.name !== undefined && rules.includes(`${base}/${request.name}`));
    return { allowed, reason: allowed ? '' : 'RBAC: no rule' };
  };
  return { review, asked };
}

describe('requestsOf: the requests one write makes, as RBAC names them', () => {
  it.each([
    { name: 'scale of a Deployment', write: scaleCheckout, expected: ['get apps/deployments payments/checkout', 'patch apps/deployments/scale payments/checkout', 'patch apps/deployments payments/checkout'] },
    { name: 'HPA floor', write: { kind: 'hpa-min', ref: deployment, hpaName: 'checkout-hpa', minReplicas: 4, provenance } as ClusterWrite, expected: ['get autoscaling/horizontalpodautoscalers payments/checkout-hpa', 'patch autoscaling/horizontalpodautoscalers payments/checkout-hpa'] },
    { name: 'Job parallelism', write: { kind: 'job-parallelism', ref: { apiKind: 'Job', namespace: 'batch', name: 'report' }, parallelism: 0, provenance } as ClusterWrite, expected: ['get batch/jobs batch/report', 'patch batch/jobs batch/report'] },
    { name: 'CronJob suspend', write: suspendNightly, expected: ['get batch/cronjobs batch/nightly', 'patch batch/cronjobs batch/nightly'] },
    { name: 'pool placeholder', write: { kind: 'pool-nodes', pool: 'burst', nodes: 3, provenance } as ClusterWrite, expected: ['get apps/deployments chuanliu-system/burst-placeholder', 'patch apps/deployments/scale chuanliu-system/burst-placeholder', 'patch apps/deployments chuanliu-system/burst-placeholder'] },
    { name: 'pool without placeholder', write: { kind: 'pool-nodes', pool: 'general', nodes: 3, provenance } as ClusterWrite, expected: [] },
  ])('$name', ({ write, expected }) => {
    expect(requestsOf(write, placeholderOf).map(text)).toEqual(expected);
  });
});

describe('WriteAuthorizer', () => {
  const everything = ['get apps/deployments payments', 'patch apps/deployments payments', 'patch apps/deployments/scale payments', 'get batch/cronjobs batch', 'patch batch/cronjobs batch'];

  it('allows what the Role grants, and asks once per resource and namespace within the cache time', async () => {
    const { review, asked } = reviewer(everything);
    let nowMs = 0;
    const authorizer = new WriteAuthorizer(review, { nowMs: () => nowMs, placeholderOf, allowedTtlMs: 60_000 });
    const other: ClusterWrite = { ...scaleCheckout, ref: { ...deployment, name: 'payment' } };
    expect(await authorizer.authorize([scaleCheckout, other, suspendNightly])).toEqual([]);
    expect(asked).toHaveLength(5);
    nowMs = 30_000;
    expect(await authorizer.authorize([scaleCheckout, suspendNightly])).toEqual([]);
    expect(asked).toHaveLength(5);
    nowMs = 61_000;
    await authorizer.authorize([scaleCheckout]);
    expect(asked).toHaveLength(8);
  });

  it('names the refused request of a kind the Role lacks, and asks again next time (a fixed Role counts at once)', async () => {
    const granted = everything.filter((rule) => !rule.includes('cronjobs'));
    const { review, asked } = reviewer(granted);
    const authorizer = new WriteAuthorizer(review, { nowMs: () => 0, placeholderOf });
    const denials = await authorizer.authorize([scaleCheckout, suspendNightly]);
    expect(denials.map((denial) => [denial.request, denial.reason])).toEqual([['get batch/cronjobs batch/nightly', 'RBAC: no rule']]);
    expect(denials[0]?.write).toBe(suspendNightly);
    const before = asked.length;
    await authorizer.authorize([suspendNightly]);
    expect(asked.length).toBeGreaterThan(before);
  });

  it('accepts a Role that grants single objects by name', async () => {
    const { review } = reviewer(['get batch/cronjobs batch/nightly', 'patch batch/cronjobs batch/nightly']);
    const authorizer = new WriteAuthorizer(review, { nowMs: () => 0, placeholderOf });
    expect(await authorizer.authorize([suspendNightly])).toEqual([]);
    const other: ClusterWrite = { ...suspendNightly, ref: { ...cronJob, name: 'weekly' } };
    expect((await authorizer.authorize([other])).map((denial) => denial.request)).toEqual(['get batch/cronjobs batch/weekly']);
  });

  it('lets a failure to ask reach the caller (who holds)', async () => {
    const authorizer = new WriteAuthorizer(async () => {
      throw new Error('connection refused');
    }, { nowMs: () => 0, placeholderOf });
    await expect(authorizer.authorize([scaleCheckout])).rejects.toThrow('connection refused');
  });
});
