/**
 * Fault injection: rules that add latency or fail matching requests with 500, 429 (with
 * Retry-After), 409 or a dropped connection. Draws come from a seeded RNG, so a run with the same
 * seed and the same request order fails the same requests.
 */
import { createRng, type Rng } from '../domain/random.ts';
import type { Verb } from './resources.ts';

export interface FaultMatch {
  /** Kubernetes verbs (`get`, `list`, `watch`, `create`, `update`, `patch`, `delete`); any when absent. */
  readonly verbs?: readonly Verb[];
  /**
   * `deployments` (the object and its subresources), or with a subresource `deployments/scale`;
   * any when absent.
   */
  readonly resources?: readonly string[];
  /** Only requests on objects themselves, none on a subresource (e.g. an annotation patch, not a scale). */
  readonly objectsOnly?: boolean;
  readonly namespaces?: readonly string[];
  readonly names?: readonly string[];
}

export interface FaultRule {
  /** Shown in the request log next to the requests it touched. */
  readonly name?: string;
  readonly match?: FaultMatch;
  /** Added before the request is handled, in milliseconds. */
  readonly latencyMs?: number;
  /** Extra uniform random latency in [0, latencyJitterMs). */
  readonly latencyJitterMs?: number;
  /** Probability in [0, 1] of answering 500 InternalError. */
  readonly errorRate?: number;
  /** Probability of answering 429 TooManyRequests with a Retry-After header. */
  readonly throttleRate?: number;
  /** @defaultValue 1 */
  readonly retryAfterSeconds?: number;
  /** Probability of answering 409 Conflict to a write (create/update/patch/delete). */
  readonly conflictRate?: number;
  /** Probability of closing the connection without an answer. */
  readonly dropRate?: number;
  /** After this many injected failures the rule stops failing requests (a storm of N); latency stays. */
  readonly maxFailures?: number;
}

export type InjectedFailure = 'error' | 'throttle' | 'conflict' | 'drop';

export interface FaultDecision {
  readonly latencyMs: number;
  readonly failure?: InjectedFailure;
  readonly retryAfterSeconds?: number;
  /** Name (or index) of the rule that caused the failure. */
  readonly rule?: string;
}

export interface RequestFacts {
  readonly verb: Verb;
  /** `deployments` or `deployments/scale`. */
  readonly resource: string;
  readonly namespace?: string;
  readonly name?: string;
}

const writeVerbs: ReadonlySet<Verb> = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

function matches(match: FaultMatch | undefined, facts: RequestFacts): boolean {
  if (!match) return true;
  if (match.verbs && !match.verbs.includes(facts.verb)) return false;
  if (match.resources && !match.resources.includes(facts.resource) && !match.resources.includes(facts.resource.split('/')[0] as string)) return false;
  if (match.objectsOnly === true && facts.resource.includes('/')) return false;
  if (match.namespaces && (facts.namespace === undefined || !match.namespaces.includes(facts.namespace))) return false;
  if (match.names && (facts.name === undefined || !match.names.includes(facts.name))) return false;
  return true;
}

function checkRate(value: number | undefined, field: string): void {
  if (value !== undefined && !(value >= 0 && value <= 1)) throw new RangeError(`fault rule ${field} must be within [0, 1], got ${value}`);
}

export class FaultInjector {
  private rules: FaultRule[] = [];
  private failuresByRule: number[] = [];
  private rng: Rng;

  constructor(options: { seed?: number; rules?: readonly FaultRule[] } = {}) {
    this.rng = createRng(options.seed ?? 1);
    this.setRules(options.rules ?? []);
  }

  /** Replaces every rule (and resets the storm counters). */
  setRules(rules: readonly FaultRule[], seed?: number): void {
    rules.forEach((rule, index) => {
      for (const field of ['errorRate', 'throttleRate', 'conflictRate', 'dropRate'] as const) checkRate(rule[field], `[${index}].${field}`);
      for (const field of ['latencyMs', 'latencyJitterMs', 'retryAfterSeconds', 'maxFailures'] as const) {
        const value = rule[field];
        if (value !== undefined && !(Number.isFinite(value) && value >= 0)) throw new RangeError(`fault rule [${index}].${field} must be a non-negative number, got ${value}`);
      }
    });
    this.rules = [...rules];
    this.failuresByRule = rules.map(() => 0);
    if (seed !== undefined) this.rng = createRng(seed);
  }

  getRules(): readonly FaultRule[] {
    return this.rules;
  }

  decide(facts: RequestFacts): FaultDecision {
    let latencyMs = 0;
    for (const [index, rule] of this.rules.entries()) {
      if (!matches(rule.match, facts)) continue;
      latencyMs += (rule.latencyMs ?? 0) + (rule.latencyJitterMs ? this.rng() * rule.latencyJitterMs : 0);
      if (rule.maxFailures !== undefined && (this.failuresByRule[index] ?? 0) >= rule.maxFailures) continue;
      const failure = this.drawFailure(rule, facts);
      if (failure) {
        this.failuresByRule[index] = (this.failuresByRule[index] ?? 0) + 1;
        return { latencyMs, failure, rule: rule.name ?? `rule ${index}`, ...(failure === 'throttle' ? { retryAfterSeconds: rule.retryAfterSeconds ?? 1 } : {}) };
      }
    }
    return { latencyMs };
  }

  private drawFailure(rule: FaultRule, facts: RequestFacts): InjectedFailure | undefined {
    if (rule.dropRate && this.rng() < rule.dropRate) return 'drop';
    if (rule.errorRate && this.rng() < rule.errorRate) return 'error';
    if (rule.throttleRate && this.rng() < rule.throttleRate) return 'throttle';
    if (rule.conflictRate && writeVerbs.has(facts.verb) && this.rng() < rule.conflictRate) return 'conflict';
    return undefined;
  }
}
