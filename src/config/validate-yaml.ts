/**
 * YAML + zod validation that reports every problem at once, each with the file, the line and the
 * path of the field, so an operator fixes a config in one round instead of ten.
 *
 * Used for the config, the peak calendar and the simulation scenarios: any zod schema works.
 * Custom issues (refinements, transforms) should phrase their message as `expected …`; the value
 * found in the document is then appended as `, got …`.
 */
import { isMap, isScalar, LineCounter, parseDocument, visit, type Document, type Node, type Pair } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../domain/errors.ts';

export type FieldPath = readonly PropertyKey[];

/** One located problem in a YAML document. */
export interface YamlProblem {
  readonly source: string;
  /** 1-based; undefined only when the document is empty. */
  readonly line?: number;
  /** e.g. `online[2].startup.p95`; empty for the document root. */
  readonly field: string;
  readonly message: string;
}

/** `online[2].startup.p95` from `['online', 2, 'startup', 'p95']`. */
export function formatFieldPath(path: FieldPath): string {
  let text = '';
  for (const key of path) {
    if (typeof key === 'number') text += `[${key}]`;
    else text += text === '' ? String(key) : `.${String(key)}`;
  }
  return text;
}

/** `file:line: field: message`, the form every problem is listed in. */
export function formatProblem(problem: YamlProblem): string {
  const where = problem.line !== undefined ? `${problem.source}:${problem.line}` : problem.source;
  return problem.field !== '' ? `${where}: ${problem.field}: ${problem.message}` : `${where}: ${problem.message}`;
}

/** One InputError for all problems: located at the first, every problem listed in `details`. */
export function problemsToError(problems: readonly YamlProblem[]): InputError {
  const [first] = problems;
  if (first === undefined) throw new RangeError('problemsToError needs at least one problem');
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}, listed below)` : '';
  return new InputError(
    `${first.message}${more}`,
    { source: first.source, ...(first.line !== undefined ? { line: first.line } : {}), ...(first.field !== '' ? { field: first.field } : {}) },
    problems.map(formatProblem),
  );
}

/** Describes a value found in the document for a `got …` clause. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return String(value);
}

/** A parsed YAML document that can locate any field path. */
export class LocatedYaml {
  readonly source: string;
  readonly value: unknown;
  private readonly document: Document.Parsed;
  private readonly lineCounter: LineCounter;

  constructor(document: Document.Parsed, lineCounter: LineCounter, source: string) {
    this.document = document;
    this.lineCounter = lineCounter;
    this.source = source;
    this.value = document.toJS({ maxAliasCount: 1000 });
  }

  /** Line of the field at `path`; for a missing field, the line of its nearest present parent. */
  lineOf(path: FieldPath): number | undefined {
    for (let length = path.length; length >= 0; length -= 1) {
      const node = this.nodeAt(path.slice(0, length));
      if (node?.range) return this.lineCounter.linePos(node.range[0]).line;
    }
    // An empty document has no nodes at all; its problem is on line 1.
    return 1;
  }

  /** Line of the key `key` of the mapping at `path` (for unknown keys). */
  keyLineOf(path: FieldPath, key: string): number | undefined {
    const node = this.nodeAt(path);
    if (isMap(node)) {
      const pair = node.items.find((item: Pair) => (isScalar(item.key) ? String(item.key.value) : String(item.key)) === key);
      const keyNode = pair?.key as Node | undefined;
      if (keyNode?.range) return this.lineCounter.linePos(keyNode.range[0]).line;
    }
    return this.lineOf(path);
  }

  /** The plain value at `path` (undefined when missing). */
  valueAt(path: FieldPath): unknown {
    let current: unknown = this.value;
    for (const key of path) {
      if (current === null || typeof current !== 'object') return undefined;
      current = (current as Record<PropertyKey, unknown>)[key as string];
    }
    return current;
  }

  problem(path: FieldPath, message: string): YamlProblem {
    const line = this.lineOf(path);
    return { source: this.source, ...(line !== undefined ? { line } : {}), field: formatFieldPath(path), message };
  }

  private nodeAt(path: FieldPath): Node | undefined {
    if (path.length === 0) return (this.document.contents ?? undefined) as Node | undefined;
    const node = this.document.getIn(path as unknown[], true);
    return node !== null && typeof node === 'object' ? (node as Node) : undefined;
  }
}

/**
 * Parses YAML, keeping node positions. Syntax errors (bad indentation, duplicate keys, tabs…)
 * become one InputError listing each with its line.
 */
export function parseLocatedYaml(text: string, source: string): LocatedYaml {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    throw problemsToError(document.errors.map((error) => ({
      source,
      line: lineCounter.linePos(error.pos[0]).line,
      field: '',
      message: `expected valid YAML: ${error.message.split('\n')[0] ?? error.message}`,
    })));
  }
  try {
    return new LocatedYaml(document, lineCounter, source);
  } catch (error) {
    // Aliases resolve only when the document is converted: an alias to an anchor never set, or
    // aliases expanding past maxAliasCount (a "billion laughs" bomb), fail there.
    if (!(error instanceof Error)) throw error;
    const line = firstAliasLine(document, lineCounter);
    throw problemsToError([{ source, ...(line !== undefined ? { line } : {}), field: '', message: `expected valid YAML: ${error.message.split('\n')[0] ?? error.message}` }]);
  }
}

/** Line of the first alias that resolves to nothing, else of the first alias. */
function firstAliasLine(document: Document.Parsed, lineCounter: LineCounter): number | undefined {
  let first: number | undefined;
  let unresolved: number | undefined;
  visit(document, {
    Alias(_key, node) {
      const line = node.range ? lineCounter.linePos(node.range[0]).line : undefined;
      first ??= line;
      if (node.resolve(document) === undefined) {
        unresolved = line;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return unresolved ?? first;
}

function expectedFor(issue: z.core.$ZodIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${describeType(issue.expected)}`;
    case 'invalid_value':
      return `expected ${issue.values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${issue.values.map((value) => JSON.stringify(value)).join(', ')}`}`;
    case 'too_small':
      return `expected ${boundText(issue.origin, issue.inclusive ?? true, issue.minimum, 'min')}`;
    case 'too_big':
      return `expected ${boundText(issue.origin, issue.inclusive ?? true, issue.maximum, 'max')}`;
    case 'invalid_union':
      if ('options' in issue && Array.isArray(issue.options)) {
        return `expected one of ${(issue.options as unknown[]).map((option) => JSON.stringify(option)).join(', ')}`;
      }
      return `expected ${issue.message.replace(/^Invalid input:?\s*/i, '') || 'one of the documented forms'}`;
    case 'invalid_format':
      return `expected ${issue.format === 'regex' ? `text matching ${String((issue as { pattern?: unknown }).pattern)}` : issue.format}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

function describeType(expected: string): string {
  const names: Record<string, string> = {
    object: 'a mapping', array: 'a list', string: 'text', number: 'a number', int: 'an integer',
    boolean: 'true or false', nonoptional: 'a value',
  };
  return names[expected] ?? expected;
}

function boundText(origin: string, inclusive: boolean, bound: number | bigint, side: 'min' | 'max'): string {
  if (origin === 'array' || origin === 'set') return `${side === 'min' ? 'at least' : 'at most'} ${bound} item${bound === 1 ? '' : 's'}`;
  if (origin === 'string') return `${side === 'min' ? 'at least' : 'at most'} ${bound} character${bound === 1 ? '' : 's'}`;
  const operator = side === 'min' ? (inclusive ? '≥' : '>') : (inclusive ? '≤' : '<');
  return `a number ${operator} ${bound}`;
}

interface SchemaDefinition {
  type: string;
  shape?: Record<string, unknown>;
  innerType?: unknown;
  in?: unknown;
  element?: unknown;
  options?: unknown[];
}

function definitionOf(schema: unknown): SchemaDefinition | undefined {
  return (schema as { _zod?: { def?: SchemaDefinition } } | undefined)?._zod?.def;
}

/**
 * Field names the schema allows at `path` (for "unknown field" hints), found by walking zod's
 * definitions through wrappers, pipes, arrays and unions; empty when the shape is not plain.
 */
export function knownFieldsAt(schema: unknown, path: FieldPath): string[] {
  const definition = definitionOf(schema);
  if (definition === undefined) return [];
  switch (definition.type) {
    case 'optional': case 'nullable': case 'default': case 'prefault': case 'readonly': case 'catch': case 'nonoptional':
      return knownFieldsAt(definition.innerType, path);
    case 'pipe':
      return knownFieldsAt(definition.in, path);
    case 'array':
      return typeof path[0] === 'number' ? knownFieldsAt(definition.element, path.slice(1)) : [];
    case 'union':
      return [...new Set((definition.options ?? []).flatMap((option) => knownFieldsAt(option, path)))];
    case 'object':
      if (path.length === 0) return Object.keys(definition.shape ?? {});
      return knownFieldsAt(definition.shape?.[String(path[0])], path.slice(1));
    default:
      return [];
  }
}

/** Edit distance, for "did you mean" hints on misspelt fields. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1]?.toLowerCase() === b[j - 1]?.toLowerCase() ? 0 : 1);
      current.push(Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] as number;
}

function unknownFieldMessage(key: string, known: readonly string[], got: string): string {
  const closest = known
    .map((name) => ({ name, distance: editDistance(key, name) }))
    .filter(({ distance }) => distance <= Math.max(2, Math.floor(key.length / 3)))
    .sort((a, b) => a.distance - b.distance)[0];
  const hint = closest !== undefined ? ` (did you mean "${closest.name}"?)` : '';
  const allowed = known.length > 0 ? `one of ${known.join(', ')}` : 'no such field here';
  return `expected ${allowed}; "${key}" is not a field${hint}, got ${got}`;
}

/** Turns zod issues into located problems, reading the offending values from the document. */
export function issuesToProblems(located: LocatedYaml, issues: readonly z.core.$ZodIssue[], schema?: unknown): YamlProblem[] {
  const problems: YamlProblem[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const line = located.keyLineOf(issue.path, key);
        problems.push({
          source: located.source, ...(line !== undefined ? { line } : {}),
          field: formatFieldPath([...issue.path, key]),
          message: unknownFieldMessage(key, schema === undefined ? [] : knownFieldsAt(schema, issue.path), describeValue(located.valueAt([...issue.path, key]))),
        });
      }
      continue;
    }
    const value = located.valueAt(issue.path);
    const got = issue.path.length === 0 && (value === undefined || value === null) ? 'an empty document' : describeValue(value);
    const expected = expectedFor(issue);
    let message: string;
    if (issue.code === 'custom' || expected === undefined) {
      message = issue.message.startsWith('expected') && !/\bgot\b/.test(issue.message)
        ? `${issue.message}, got ${got}` : issue.message;
    } else {
      message = `${expected}, got ${got}`;
    }
    problems.push(located.problem(issue.path, message));
  }
  // Document order reads best; zod reports in schema order.
  return problems.sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
}

/**
 * Parses `text` as YAML and validates it with `schema`. Returns the schema's output; throws one
 * InputError listing every problem as `file:line: field.path: expected …, got …`.
 */
export function validateYaml<T>(text: string, source: string, schema: z.ZodType<T>): T {
  const located = parseLocatedYaml(text, source);
  return validateLocated(located, schema);
}

/** As {@link validateYaml}, for a document already parsed (e.g. to read a field before validating). */
export function validateLocated<T>(located: LocatedYaml, schema: z.ZodType<T>): T {
  const result = schema.safeParse(located.value === null ? undefined : located.value, { reportInput: true });
  if (result.success) return result.data;
  throw problemsToError(issuesToProblems(located, result.error.issues, schema));
}
