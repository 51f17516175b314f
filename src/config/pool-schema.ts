/**
 * Config of node pools and of the scheduling constraints that send pods to them (nodeSelector,
 * taints and tolerations, Kubernetes semantics), split from schema.ts to keep one concept per file.
 */
import { z } from 'zod';
import { MINUTE_MS } from '../domain/units.ts';
import type { NodePool, NodeTaint, PlaceholderSettings, Toleration } from '../domain/workload.ts';
import { durationSchema, nameSchema, resourcesSchema } from './units-schema.ts';

const effectSchema = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);

/** Kubernetes label keys and values are plain strings; an empty value is allowed, as in Kubernetes. */
export const labelsSchema = z.record(z.string().min(1), z.string());

export const taintSchema = z.strictObject({
  key: z.string().min(1),
  value: z.string().optional(),
  effect: effectSchema,
}).transform((taint): NodeTaint => ({ key: taint.key, ...(taint.value !== undefined ? { value: taint.value } : {}), effect: taint.effect }));

export const tolerationSchema = z.strictObject({
  /** @defaultValue any key (only with operator Exists) */
  key: z.string().min(1).optional(),
  /** @defaultValue Equal */
  operator: z.enum(['Equal', 'Exists']).default('Equal'),
  value: z.string().optional(),
  /** @defaultValue every effect */
  effect: effectSchema.optional(),
}).superRefine((toleration, ctx) => {
  if (toleration.operator === 'Equal' && toleration.key === undefined) {
    ctx.addIssue({ code: 'custom', path: ['key'], message: 'expected a key with operator Equal (only Exists may leave it out)' });
  }
  if (toleration.operator === 'Exists' && toleration.value !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['value'], message: 'expected no value with operator Exists' });
  }
}).transform((toleration): Toleration => ({
  ...(toleration.key !== undefined ? { key: toleration.key } : {}),
  operator: toleration.operator,
  ...(toleration.value !== undefined ? { value: toleration.value } : {}),
  ...(toleration.effect !== undefined ? { effect: toleration.effect } : {}),
}));

/** The scheduling fields a workload shares with its pod template. */
export const schedulingFields = {
  /** Node pool the replicas run on. @defaultValue every pool the nodeSelector and tolerations allow */
  nodePool: nameSchema.optional(),
  /** Copy of the pod template's nodeSelector. @defaultValue none */
  nodeSelector: labelsSchema.optional(),
  /** Copy of the pod template's tolerations. @defaultValue none */
  tolerations: z.array(tolerationSchema).optional(),
};

export function schedulingOf(workload: {
  nodePool?: string | undefined; nodeSelector?: Record<string, string> | undefined; tolerations?: Toleration[] | undefined;
}): { nodePool?: string; nodeSelector?: Record<string, string>; tolerations?: Toleration[] } {
  return {
    ...(workload.nodePool !== undefined ? { nodePool: workload.nodePool } : {}),
    ...(workload.nodeSelector !== undefined ? { nodeSelector: workload.nodeSelector } : {}),
    ...(workload.tolerations !== undefined ? { tolerations: workload.tolerations } : {}),
  };
}

/** Provisioning time: one duration (read as the p95) or `{ p50, p95 }`. */
const provisioningSchema = z.union([
  durationSchema.transform((p95): { p50?: number; p95: number } => ({ p95 })),
  z.strictObject({ p50: durationSchema, p95: durationSchema }),
]).superRefine((value, ctx) => {
  if (value.p50 !== undefined && value.p50 > value.p95) ctx.addIssue({ code: 'custom', path: ['p50'], message: `expected p50 ≤ p95 (${value.p95} ms), got ${value.p50} ms` });
});

const placeholdersSchema = z.strictObject({
  /** A namespace of their own: the controller's Role there may then patch only placeholders. @defaultValue chuanliu-placeholders */
  namespace: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'expected a Kubernetes namespace name').default('chuanliu-placeholders'),
  /** Name of the placeholder Deployment. @defaultValue chuanliu-placeholder-<pool> */
  deployment: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes object name').optional(),
  /** @defaultValue chuanliu-placeholder */
  priorityClass: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'expected a Kubernetes object name').default('chuanliu-placeholder'),
  /** Negative, so every other pod (priority 0 by default) preempts a placeholder. @defaultValue -10 */
  priority: z.number().int().max(-1).default(-10),
  /**
   * Requests of one placeholder pod: one per planned node. @defaultValue 90% of the node's
   * perNode (room left for DaemonSets, so the pod fits on a fresh node)
   */
  perPod: resourcesSchema.optional(),
});

/** A pool of identical nodes; `elastic` when it may grow (cluster autoscaler, Karpenter). */
export const nodePoolSchema = z.strictObject({
  name: nameSchema,
  /** Allocatable of one node. */
  perNode: resourcesSchema,
  /** Nodes always present: the pool's minimum. */
  baseNodes: z.number().int().min(0),
  /** @defaultValue 0 */
  costPerNodeHour: z.number().min(0).default(0),
  /** Labels of the pool's nodes (matched by workloads' nodeSelector). @defaultValue none */
  labels: labelsSchema.optional(),
  /** Taints of the pool's nodes. @defaultValue none */
  taints: z.array(taintSchema).optional(),
  elastic: z.strictObject({
    /** Nodes the pool may add on top of baseNodes (its maximum is baseNodes + maxNodes). */
    maxNodes: z.number().int().min(1),
    /** From "add node" to schedulable: a duration (the p95) or { p50, p95 }. @defaultValue 3m */
    provisioning: provisioningSchema.default({ p95: 3 * MINUTE_MS }),
    /** Pre-provision nodes with low-priority placeholder pods (`placeholders: {}` for the defaults). @defaultValue off */
    placeholders: placeholdersSchema.optional(),
  }).optional(),
}).superRefine((pool, ctx) => {
  const perPod = pool.elastic?.placeholders?.perPod;
  if (perPod !== undefined && (perPod.cpuMillicores > pool.perNode.cpuMillicores || perPod.memoryBytes > pool.perNode.memoryBytes)) {
    ctx.addIssue({ code: 'custom', path: ['elastic', 'placeholders', 'perPod'], message: `expected a placeholder pod that fits on one node (${pool.perNode.cpuMillicores}m CPU, ${pool.perNode.memoryBytes} bytes)` });
  }
}).transform((pool): NodePool => ({
  name: pool.name,
  perNode: pool.perNode,
  baseNodes: pool.baseNodes,
  costPerNodeHour: pool.costPerNodeHour,
  ...(pool.labels !== undefined ? { labels: pool.labels } : {}),
  ...(pool.taints !== undefined ? { taints: pool.taints } : {}),
  ...(pool.elastic !== undefined
    ? {
        elastic: {
          maxNodes: pool.elastic.maxNodes,
          provisioningMs: pool.elastic.provisioning.p95,
          ...(pool.elastic.provisioning.p50 !== undefined ? { provisioningP50Ms: pool.elastic.provisioning.p50 } : {}),
          ...(pool.elastic.placeholders !== undefined ? { placeholders: placeholderSettings(pool.name, pool.perNode, pool.elastic.placeholders) } : {}),
        },
      }
    : {}),
}));

function placeholderSettings(
  poolName: string,
  perNode: { cpuMillicores: number; memoryBytes: number },
  config: z.output<typeof placeholdersSchema>,
): PlaceholderSettings {
  return {
    namespace: config.namespace,
    deploymentName: config.deployment ?? `chuanliu-placeholder-${poolName.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`,
    priorityClassName: config.priorityClass,
    priorityValue: config.priority,
    perPod: config.perPod ?? { cpuMillicores: Math.floor(perNode.cpuMillicores * 0.9), memoryBytes: Math.floor(perNode.memoryBytes * 0.9) },
  };
}
