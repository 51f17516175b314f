/**
 * One part of `npm run bench`: it measures something, returns a Markdown section for
 * BENCHMARKS.md, and lists the targets it missed. Targets are ratios or shares measured in the same
 * run (chuanliu against a baseline, a coverage against its nominal level), never absolute times:
 * the machine running the bench is not the one that wrote it.
 */
export interface BenchPartResult {
  /** Markdown, starting with a `## ` heading. */
  readonly markdown: string;
  /** Human-readable missed targets; non-empty makes `npm run bench` exit 1. */
  readonly failures: readonly string[];
  /** The part's figures and targets, machine-readable: written to bench/results/<id>.json with the failures. */
  readonly figures?: unknown;
}

export interface BenchPart {
  /** Short id, used by `npm run bench -- --only <id>` and as the section marker in BENCHMARKS.md. */
  readonly id: string;
  run(options: { quick: boolean; log: (line: string) => void }): Promise<BenchPartResult>;
}
