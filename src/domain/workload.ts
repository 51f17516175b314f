/**
 * The inventory chuanliu manages: online services with a demand series and a capacity model,
 * offline (preemptible) batch work, and node pools. All quantities carry their unit in the name.
 */

/** The Kubernetes object whose replicas chuanliu may change. */
export interface WorkloadRef {
  readonly apiKind: 'Deployment' | 'StatefulSet' | 'Job' | 'CronJob';
  readonly namespace: string;
  readonly name: string;
}

/** Startup of one replica from "scheduled" to "Ready", as a distribution. */
export interface StartupDistribution {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/** Where an online workload's demand history comes from. */
export type DemandSource =
  | {
    readonly kind: 'csv';
    readonly path: string;
    /** Value column: header name or column number from 1. @defaultValue detected */
    readonly column?: string;
    /** Time column: header name or column number from 1. @defaultValue detected by content */
    readonly timeColumn?: string;
    /** `,` `;` or tab. @defaultValue detected */
    readonly delimiter?: string;
    /** `iso` | `epoch-s` | `epoch-ms`. @defaultValue detected */
    readonly timeFormat?: string;
    /** IANA zone of naive timestamps (no offset). @defaultValue UTC */
    readonly timeZone?: string;
    readonly scale: number;
    readonly timeShiftMs: number;
  }
  | { readonly kind: 'prometheus'; readonly query: string };

export interface ReplicaResources {
  readonly cpuMillicores: number;
  readonly memoryBytes: number;
}

export interface OnlineWorkload {
  readonly class: 'online';
  readonly name: string;
  readonly ref: WorkloadRef;
  /** Name of the HPA that already manages this workload; chuanliu then raises its minReplicas floor. */
  readonly hpaName?: string;
  /** Requests/s one Ready replica serves within SLO. */
  readonly rpsPerReplica: number;
  readonly perReplica: ReplicaResources;
  readonly startup: StartupDistribution;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Higher is more important; brownout degrades the lowest first. */
  readonly priority: number;
  /** Demand quantile the workload must be provisioned for, e.g. 0.99. */
  readonly demandQuantile: number;
  readonly demand?: DemandSource;
  /** Node pool the replicas run on; undefined = any pool its scheduling constraints allow. */
  readonly nodePool?: string;
  /** The pod template's nodeSelector: only pools whose node labels include all of these. */
  readonly nodeSelector?: Readonly<Record<string, string>>;
  /** The pod template's tolerations: a pool whose taints are not all tolerated is out of reach. */
  readonly tolerations?: readonly Toleration[];
}

export interface OfflineWorkload {
  readonly class: 'offline';
  readonly name: string;
  readonly ref: WorkloadRef;
  readonly priority: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly perReplica: ReplicaResources;
  /** Work left to finish, in core-hours of this workload's replicas; undefined = open-ended. */
  readonly workCoreHours?: number;
  /** Epoch ms by which the work must be done; undefined = no deadline. */
  readonly deadlineMs?: number;
  /** Time a replica needs to drain or checkpoint before its resources are free. */
  readonly drainMs: number;
  readonly nodePool?: string;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly Toleration[];
}

export type Workload = OnlineWorkload | OfflineWorkload;

/** A node taint (Kubernetes semantics): pods without a matching toleration stay off the node. */
export interface NodeTaint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A pod toleration (Kubernetes semantics). */
export interface Toleration {
  /** undefined with operator Exists = tolerates every taint. */
  readonly key?: string;
  readonly operator: 'Equal' | 'Exists';
  readonly value?: string;
  /** undefined = every effect. */
  readonly effect?: NodeTaint['effect'];
}

/**
 * Low-priority pause pods that hold room on an elastic pool ahead of a peak, so the cluster's own
 * node autoscaler (Karpenter, cluster-autoscaler) brings the nodes before the online pods need them;
 * online pods preempt them the moment they arrive.
 */
export interface PlaceholderSettings {
  readonly namespace: string;
  /** Name of the placeholder Deployment. */
  readonly deploymentName: string;
  /** PriorityClass of the placeholder pods (negative value, so any workload preempts them). */
  readonly priorityClassName: string;
  readonly priorityValue: number;
  /** Requests of one placeholder pod: the free room of one planned node. */
  readonly perPod: ReplicaResources;
}

export interface ElasticPoolSettings {
  /** Nodes the pool may add on top of its baseNodes. */
  readonly maxNodes: number;
  /** From "add node" to the node being schedulable, 95th percentile: what the plan waits for. */
  readonly provisioningMs: number;
  /** The same, median (shown in reports; the plan uses the p95). @defaultValue provisioningMs */
  readonly provisioningP50Ms?: number;
  /** Present when nodes are pre-provisioned through placeholder pods. */
  readonly placeholders?: PlaceholderSettings;
}

export interface NodePool {
  readonly name: string;
  readonly perNode: ReplicaResources;
  /** Nodes always present. */
  readonly baseNodes: number;
  readonly costPerNodeHour: number;
  /** Labels of the pool's nodes (matched against workloads' nodeSelector). */
  readonly labels?: Readonly<Record<string, string>>;
  /** Taints of the pool's nodes (workloads need a toleration to run there). */
  readonly taints?: readonly NodeTaint[];
  /** Present when the pool may grow on demand (cluster autoscaler / Karpenter). */
  readonly elastic?: ElasticPoolSettings;
}

export interface Inventory {
  readonly online: readonly OnlineWorkload[];
  readonly offline: readonly OfflineWorkload[];
  readonly nodePools: readonly NodePool[];
}
