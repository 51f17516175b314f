/**
 * Deterministic step ids. A step is identified by *what* it achieves — which workload or pool,
 * which level, serving which slot — and not by the plan that produced it, so re-planning with the
 * same outcome yields the same ids and the queue's job ids stay idempotent.
 * Ids contain only [a-z0-9-] (safe as BullMQ job ids and Kubernetes annotation values).
 */

export interface StepIdentity {
  readonly subject: 'workload' | 'node-pool';
  readonly name: string;
  readonly readyByMs: number;
  readonly toReplicas: number;
  readonly direction: 'release' | 'acquire';
}

/** 64 bits of a cyrb53-style hash of the identity, as 16 hex digits prefixed by `s`. */
export function stepId(identity: StepIdentity): string {
  const text = `${identity.subject}|${identity.name}|${identity.readyByMs}|${identity.toReplicas}|${identity.direction}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ code, 2654435761);
    h2 = Math.imul(h2 ^ code, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return `s${(h2 >>> 0).toString(16).padStart(8, '0')}${(h1 >>> 0).toString(16).padStart(8, '0')}`;
}
