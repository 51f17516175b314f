/**
 * Every API request kube-api answered (or dropped), for tests and people to assert on: who wrote
 * what, how often, and which faults were injected.
 */
import type { Verb } from './resources.ts';
import type { InjectedFailure } from './faults.ts';

export interface RequestLogEntry {
  /** 1, 2, 3… in arrival order; `since` queries use it. */
  readonly seq: number;
  /** When the request arrived, epoch ms on kube-api's clock. */
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  /** Kubernetes verb, or undefined for discovery and unknown paths. */
  readonly verb?: Verb;
  readonly resource?: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** HTTP status sent; 0 when the connection was dropped. */
  readonly status: number;
  /** Wall time spent answering, injected latency included. */
  readonly durationMs: number;
  readonly contentType?: string;
  /** The request body of a write, cut to `bodySummaryChars`. */
  readonly body?: string;
  readonly fault?: InjectedFailure;
  readonly userAgent?: string;
}

export interface RequestLogFilter {
  readonly sinceSeq?: number;
  readonly verb?: Verb;
  readonly resource?: string;
  readonly subresource?: string;
  readonly name?: string;
  readonly namespace?: string;
}

export class RequestLog {
  private readonly entries: RequestLogEntry[] = [];
  private readonly listeners = new Set<(entry: RequestLogEntry) => void>();
  private nextSeq = 1;

  /**
   * @param capacity entries kept in memory; the oldest go first. @defaultValue 100_000
   */
  constructor(private readonly capacity = 100_000) {}

  record(entry: Omit<RequestLogEntry, 'seq'>): RequestLogEntry {
    const stored = { seq: this.nextSeq, ...entry };
    this.nextSeq += 1;
    this.entries.push(stored);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    for (const listener of this.listeners) listener(stored);
    return stored;
  }

  list(filter: RequestLogFilter = {}): RequestLogEntry[] {
    return this.entries.filter(
      (entry) =>
        (filter.sinceSeq === undefined || entry.seq > filter.sinceSeq) &&
        (filter.verb === undefined || entry.verb === filter.verb) &&
        (filter.resource === undefined || entry.resource === filter.resource) &&
        (filter.subresource === undefined || entry.subresource === filter.subresource) &&
        (filter.name === undefined || entry.name === filter.name) &&
        (filter.namespace === undefined || entry.namespace === filter.namespace),
    );
  }

  /** Sequence number of the latest entry (0 when empty), to assert on what happens next. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  clear(): void {
    this.entries.length = 0;
  }

  onEntry(listener: (entry: RequestLogEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
