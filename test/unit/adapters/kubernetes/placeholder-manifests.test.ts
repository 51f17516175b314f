import { describe, expect, it } from 'vitest';
import { placeholderManifests, placeholderRefs, PLACEHOLDER_IMAGE } from '../../../../src/adapters/kubernetes/placeholder-manifests.ts';
import { NAMESPACED_PERMISSIONS } from '../../../../src/adapters/kubernetes/required-permissions.ts';
import { parseConfigText } from '../../../../src/config/load-config.ts';

const CONFIG = `
nodePools:
  - name: shared
    perNode: { cpu: "32", memory: 128Gi }
    baseNodes: 4
  - name: burst
    perNode: { cpu: "16", memory: 64Gi }
    baseNodes: 0
    labels: { chuanliu.io/pool: burst }
    taints: [{ key: burst, value: "true", effect: NoSchedule }]
    elastic: { maxNodes: 10, placeholders: { deployment: burst-warm, priorityClass: warm-nodes, priority: -5, perPod: { cpu: 15500m, memory: 60Gi } } }
  - name: spot
    perNode: { cpu: "8", memory: 32Gi }
    baseNodes: 0
    elastic: { maxNodes: 5, placeholders: {} }
`;

describe('placeholderManifests: the objects behind pre-provisioning, from the config', () => {
  const objects = placeholderManifests(parseConfigText(CONFIG, 'pools.yaml').inventory.nodePools);
  const byKind = (kind: string): Record<string, unknown>[] => objects.filter((object) => object['kind'] === kind);

  it('renders one Deployment per pre-provisioned pool, named, sized and placed as configured', () => {
    const deployments = byKind('Deployment');
    expect(deployments.map((object) => (object['metadata'] as { name: string }).name)).toEqual(['burst-warm', 'chuanliu-placeholder-spot']);
    const burst = deployments[0] as { metadata: { namespace: string }; spec: { replicas: number; template: { spec: Record<string, unknown> } } };
    expect(burst.metadata.namespace).toBe('chuanliu-placeholders');
    expect(burst.spec.replicas).toBe(0);
    const pod = burst.spec.template.spec;
    expect(pod['priorityClassName']).toBe('warm-nodes');
    expect(pod['nodeSelector']).toEqual({ 'chuanliu.io/pool': 'burst' });
    expect(pod['tolerations']).toEqual([{ key: 'burst', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(pod['terminationGracePeriodSeconds']).toBe(0);
    const container = (pod['containers'] as { image: string; resources: { requests: unknown; limits: unknown } }[])[0];
    expect(container?.image).toBe(PLACEHOLDER_IMAGE);
    expect(container?.resources.requests).toEqual({ cpu: '15500m', memory: '61440Mi' });
    // Default size: 90 % of the node, so it still fits next to DaemonSets.
    const spot = deployments[1] as { spec: { template: { spec: { containers: { resources: { requests: unknown } }[] } } } };
    expect(spot.spec.template.spec.containers[0]?.resources.requests).toEqual({ cpu: '7200m', memory: '29491Mi' });
  });

  it('renders each PriorityClass once, negative and never preempting', () => {
    expect(byKind('PriorityClass').map((object) => [(object['metadata'] as { name: string }).name, object['value'], object['preemptionPolicy'], object['globalDefault']]))
      .toEqual([['chuanliu-placeholder', -10, 'Never', false], ['warm-nodes', -5, 'Never', false]]);
  });

  it('grants the controller in the placeholder namespace exactly what it needs in a managed namespace', () => {
    const [role] = byKind('Role') as { metadata: { namespace: string }; rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[] }[];
    expect(role?.metadata.namespace).toBe('chuanliu-placeholders');
    const granted = (role?.rules ?? []).flatMap((rule) => rule.verbs.map((verb) => `${rule.apiGroups[0] ?? ''}/${rule.resources[0] ?? ''}:${verb}`)).sort();
    expect(granted).toEqual(NAMESPACED_PERMISSIONS.map((permission) => `${permission.group}/${permission.resource}:${permission.verb}`).sort());
    expect(byKind('RoleBinding')[0]?.['subjects']).toEqual([{ kind: 'ServiceAccount', name: 'chuanliu', namespace: 'chuanliu-system' }]);
    expect(byKind('Namespace').map((object) => (object['metadata'] as { name: string }).name)).toEqual(['chuanliu-placeholders']);
  });

  it('renders nothing without pre-provisioned pools', () => {
    expect(placeholderManifests(parseConfigText(CONFIG.replace(/, placeholders: \{[^}]*\{[^}]*\}[^}]*\}/, '').replace(', placeholders: {}', ''), 'pools.yaml').inventory.nodePools)).toEqual([]);
  });

  it('names the placeholder Deployments the controller reads with its workloads (the real-cluster adapter lists only named objects)', () => {
    expect(placeholderRefs(parseConfigText(CONFIG, 'pools.yaml').inventory.nodePools)).toEqual([
      { apiKind: 'Deployment', namespace: 'chuanliu-placeholders', name: 'burst-warm' },
      { apiKind: 'Deployment', namespace: 'chuanliu-placeholders', name: 'chuanliu-placeholder-spot' },
    ]);
  });
});
