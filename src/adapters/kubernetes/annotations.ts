/**
 * The annotations chuanliu leaves on every object it changes, so `kubectl describe` tells who
 * changed it, when, from which plan step and why.
 */
import type { WriteProvenance } from '../../ports/cluster.ts';

export const ANNOTATION_PREFIX = 'chuanliu.io/';

export const Annotations = {
  lastWriteAt: 'chuanliu.io/last-write-at',
  planId: 'chuanliu.io/plan-id',
  stepId: 'chuanliu.io/step-id',
  reason: 'chuanliu.io/reason',
  message: 'chuanliu.io/message',
} as const;

/** Longest message kept; annotations share a 256 KiB budget per object. */
const MESSAGE_LIMIT_CHARS = 1024;

export function provenanceAnnotations(provenance: WriteProvenance): Record<string, string> {
  return {
    [Annotations.lastWriteAt]: new Date(provenance.atMs).toISOString(),
    [Annotations.planId]: provenance.planId,
    [Annotations.stepId]: provenance.stepId,
    [Annotations.reason]: provenance.reason,
    [Annotations.message]: provenance.message.length > MESSAGE_LIMIT_CHARS ? `${provenance.message.slice(0, MESSAGE_LIMIT_CHARS - 1)}…` : provenance.message,
  };
}

/** Only chuanliu's own annotations of an object (what the snapshot reports). */
export function chuanliuAnnotations(annotations: Readonly<Record<string, string>> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(annotations ?? {}).filter(([key]) => key.startsWith(ANNOTATION_PREFIX)));
}
