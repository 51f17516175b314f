/**
 * `chuanliu status` per node pool: the nodes the plan wants now and at its peak, what the cluster
 * has, and for a pre-provisioned pool the placeholder pods the plan wants against the Deployment.
 */
import { describe, expect, it } from 'vitest';
import { renderStatus, statusReport } from '../../../src/cli/status.ts';
import { parseConfigText } from '../../../src/config/load-config.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import { forecast, NOW_MS, planningInput } from '../planner/fixtures.ts';

const CONFIG = `
nodePools:
  - name: shared
    perNode: { cpu: "16", memory: 64Gi }
    baseNodes: 2
  - name: burst
    perNode: { cpu: "16", memory: 64Gi }
    baseNodes: 0
    elastic: { maxNodes: 10, provisioning: 4m, placeholders: {} }
online:
  - name: checkout
    ref: { namespace: shop }
    rpsPerReplica: 100
    perReplica: { cpu: "1", memory: 1Gi }
    startup: { p50: 20s, p95: 45s }
    minReplicas: 2
    maxReplicas: 500
`;

describe('statusReport: node pools', () => {
  it('shows planned and live nodes, the coming peak and the placeholders of a pre-provisioned pool', () => {
    const config = parseConfigText(CONFIG, 'config.yaml');
    const plan = planCapacity(planningInput({
      inventory: config.inventory,
      forecasts: new Map([['checkout', forecast('checkout', { buckets: 120, rps: (i) => (i >= 60 ? 6000 : 1000) })]]),
    }));
    // 60 minutes before the peak, minus provisioning 4 m and the 1 m lead of the online pods: placeholders are up.
    const nowMs = NOW_MS + 56 * 60_000;
    const snapshot = {
      takenAtMs: nowMs,
      workloads: [
        { ref: { apiKind: 'Deployment' as const, namespace: 'shop', name: 'checkout' }, desiredReplicas: 13, readyReplicas: 13, annotations: {} },
        { ref: { apiKind: 'Deployment' as const, namespace: 'chuanliu-placeholders', name: 'chuanliu-placeholder-burst' }, desiredReplicas: 2, readyReplicas: 0, annotations: {} },
      ],
      nodePools: [
        { pool: 'shared', readyNodes: 2, provisioningNodes: 0, allocatableCpuMillicores: 32_000, allocatableMemoryBytes: 128 * 1024 ** 3 },
        { pool: 'burst', readyNodes: 0, provisioningNodes: 2, allocatableCpuMillicores: 0, allocatableMemoryBytes: 0 },
      ],
    };
    const report = statusReport({ plan, snapshot, config, nowMs, stepCount: 5 });
    const burst = report.pools.find((pool) => pool.pool === 'burst');
    expect(burst).toMatchObject({ readyNodes: 0, provisioningNodes: 2, livePlaceholders: 2, peakNodes: 3 });
    expect(burst?.planNodes).toBe(3);
    expect(burst?.planPlaceholders).toBe(3);
    expect(report.pools.find((pool) => pool.pool === 'shared')).toMatchObject({ planNodes: 2, readyNodes: 2 });
    const text = renderStatus(report, false);
    expect(text).toMatch(/burst\s+3\s+0\s+2\s+3 at .*\s+3 \/ 2/);
  });
});
