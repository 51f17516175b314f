/**
 * Server-side printing: `kubectl get` asks for `as=Table` and prints the columns the server sends.
 * The columns follow the real API server's for the same kinds, so output looks familiar.
 */
import type { ResourceType } from './resources.ts';
import type { KubeObject } from './store.ts';

interface Column {
  readonly name: string;
  readonly type: 'string' | 'integer' | 'date';
  readonly format?: 'name';
  /** 0 = always shown, 1 = only with `-o wide`. */
  readonly priority?: number;
  readonly cell: (object: KubeObject, nowMs: number) => string | number;
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const spec = (object: KubeObject): Any => (object['spec'] as Any | undefined) ?? {};
const status = (object: KubeObject): Any => (object['status'] as Any | undefined) ?? {};

/** Kubernetes' HumanDuration: 45s, 5m30s, 3h12m, 2d4h, 90d, 3y. */
export function humanDuration(durationMs: number): string {
  const seconds = Math.max(0, Math.floor(durationMs / 1000));
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 180) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  return `${Math.floor(hours / 24 / 365)}y`;
}

const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', cell: (object) => object.metadata.name ?? '' };
const ageColumn: Column = {
  name: 'Age',
  type: 'date',
  cell: (object, nowMs) => (object.metadata.creationTimestamp ? humanDuration(nowMs - Date.parse(object.metadata.creationTimestamp)) : '<unknown>'),
};

function podReady(pod: KubeObject): boolean {
  return ((status(pod)['conditions'] as Any[] | undefined) ?? []).some((condition) => condition['type'] === 'Ready' && condition['status'] === 'True');
}

function nodeStatus(node: KubeObject): string {
  const ready = podReady(node) ? 'Ready' : 'NotReady';
  return spec(node)['unschedulable'] === true ? `${ready},SchedulingDisabled` : ready;
}

function hpaTargets(hpa: KubeObject): string {
  const metrics = (spec(hpa)['metrics'] as Any[] | undefined) ?? [];
  const current = (status(hpa)['currentMetrics'] as Any[] | undefined) ?? [];
  if (metrics.length === 0) return '<none>';
  return metrics
    .map((metric, index) => {
      const target = metric['resource']?.['target']?.['averageUtilization'];
      const observed = current[index]?.['resource']?.['current']?.['averageUtilization'];
      const name = metric['resource']?.['name'] ?? metric['type'];
      return target === undefined ? `${name}` : `${name}: ${observed === undefined ? '<unknown>' : `${observed}%`}/${target}%`;
    })
    .join(', ');
}

const columnsByKind: Readonly<Record<string, readonly Column[]>> = {
  Deployment: [
    nameColumn,
    { name: 'Ready', type: 'string', cell: (object) => `${status(object)['readyReplicas'] ?? 0}/${spec(object)['replicas'] ?? 0}` },
    { name: 'Up-to-date', type: 'integer', cell: (object) => status(object)['updatedReplicas'] ?? 0 },
    { name: 'Available', type: 'integer', cell: (object) => status(object)['availableReplicas'] ?? 0 },
    ageColumn,
  ],
  StatefulSet: [nameColumn, { name: 'Ready', type: 'string', cell: (object) => `${status(object)['readyReplicas'] ?? 0}/${spec(object)['replicas'] ?? 0}` }, ageColumn],
  ReplicaSet: [
    nameColumn,
    { name: 'Desired', type: 'integer', cell: (object) => spec(object)['replicas'] ?? 0 },
    { name: 'Current', type: 'integer', cell: (object) => status(object)['replicas'] ?? 0 },
    { name: 'Ready', type: 'integer', cell: (object) => status(object)['readyReplicas'] ?? 0 },
    ageColumn,
  ],
  Pod: [
    nameColumn,
    { name: 'Ready', type: 'string', cell: (object) => `${podReady(object) ? 1 : 0}/1` },
    { name: 'Status', type: 'string', cell: (object) => (object.metadata.deletionTimestamp ? 'Terminating' : String(status(object)['phase'] ?? 'Pending')) },
    { name: 'Restarts', type: 'integer', cell: () => 0 },
    ageColumn,
    { name: 'Node', type: 'string', priority: 1, cell: (object) => String(spec(object)['nodeName'] ?? '<none>') },
  ],
  Node: [
    nameColumn,
    { name: 'Status', type: 'string', cell: nodeStatus },
    { name: 'Roles', type: 'string', cell: () => '<none>' },
    ageColumn,
    { name: 'Version', type: 'string', cell: (object) => String(status(object)['nodeInfo']?.['kubeletVersion'] ?? '') },
    { name: 'Pool', type: 'string', priority: 1, cell: (object) => object.metadata.labels?.['chuanliu.io/pool'] ?? '<none>' },
  ],
  HorizontalPodAutoscaler: [
    nameColumn,
    { name: 'Reference', type: 'string', cell: (object) => `${spec(object)['scaleTargetRef']?.['kind']}/${spec(object)['scaleTargetRef']?.['name']}` },
    { name: 'Targets', type: 'string', cell: hpaTargets },
    { name: 'MinPods', type: 'integer', cell: (object) => spec(object)['minReplicas'] ?? 1 },
    { name: 'MaxPods', type: 'integer', cell: (object) => spec(object)['maxReplicas'] ?? 0 },
    { name: 'Replicas', type: 'integer', cell: (object) => status(object)['currentReplicas'] ?? 0 },
    ageColumn,
  ],
  Job: [
    nameColumn,
    { name: 'Completions', type: 'string', cell: (object) => `${status(object)['succeeded'] ?? 0}/${spec(object)['completions'] ?? 1}` },
    { name: 'Parallelism', type: 'integer', cell: (object) => spec(object)['parallelism'] ?? 1 },
    { name: 'Active', type: 'integer', cell: (object) => status(object)['active'] ?? 0 },
    ageColumn,
  ],
  CronJob: [
    nameColumn,
    { name: 'Schedule', type: 'string', cell: (object) => String(spec(object)['schedule'] ?? '') },
    { name: 'Timezone', type: 'string', cell: (object) => String(spec(object)['timeZone'] ?? '<none>') },
    { name: 'Suspend', type: 'string', cell: (object) => (spec(object)['suspend'] === true ? 'True' : 'False') },
    { name: 'Active', type: 'integer', cell: (object) => ((status(object)['active'] as unknown[] | undefined) ?? []).length },
    ageColumn,
  ],
  Namespace: [nameColumn, { name: 'Status', type: 'string', cell: (object) => String(status(object)['phase'] ?? 'Active') }, ageColumn],
  ConfigMap: [nameColumn, { name: 'Data', type: 'integer', cell: (object) => Object.keys((object['data'] as Any | undefined) ?? {}).length }, ageColumn],
  Event: [
    { name: 'Last Seen', type: 'string', cell: (object, nowMs) => humanDuration(nowMs - Date.parse(String(object['lastTimestamp'] ?? object.metadata.creationTimestamp))) },
    { name: 'Type', type: 'string', cell: (object) => String(object['type'] ?? 'Normal') },
    { name: 'Reason', type: 'string', cell: (object) => String(object['reason'] ?? '') },
    { name: 'Object', type: 'string', cell: (object) => `${String((object['involvedObject'] as Any | undefined)?.['kind'] ?? '').toLowerCase()}/${(object['involvedObject'] as Any | undefined)?.['name'] ?? ''}` },
    { name: 'Message', type: 'string', cell: (object) => String(object['message'] ?? '') },
  ],
  // The CRD's additionalPrinterColumns (manifests/base/crds/peakevents.yaml).
  PeakEvent: [
    nameColumn,
    { name: 'Kind', type: 'string', cell: (object) => String(spec(object)['kind'] ?? '') },
    { name: 'Start', type: 'string', cell: (object) => String(spec(object)['start'] ?? '') },
    { name: 'Duration', type: 'string', cell: (object) => String(spec(object)['duration'] ?? '') },
    { name: 'Workloads', type: 'string', cell: (object) => String(status(object)['workloads'] ?? '') },
    { name: 'Lead', type: 'string', cell: (object) => String(status(object)['lead'] ?? '') },
    { name: 'State', type: 'string', cell: (object) => String(status(object)['state'] ?? '') },
    ageColumn,
  ],
  Lease: [nameColumn, { name: 'Holder', type: 'string', cell: (object) => String(spec(object)['holderIdentity'] ?? '') }, ageColumn],
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  readonly nowMs: number;
  readonly includeObject: IncludeObject;
  readonly resourceVersion: string;
  /** Watch events after the first leave the column definitions out, as the real server does. */
  readonly noHeaders?: boolean;
}

export function toTable(type: ResourceType, objects: readonly KubeObject[], options: TableOptions): Record<string, unknown> {
  const columns = columnsByKind[type.kind] ?? [nameColumn, ageColumn];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: options.resourceVersion },
    columnDefinitions: options.noHeaders
      ? []
      : columns.map((column) => ({ name: column.name, type: column.type, format: column.format ?? '', description: column.name, priority: column.priority ?? 0 })),
    rows: objects.map((object) => ({
      cells: columns.map((column) => column.cell(object, options.nowMs)),
      object:
        options.includeObject === 'Object'
          ? object
          : options.includeObject === 'Metadata'
            ? { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata }
            : undefined,
    })),
  };
}
