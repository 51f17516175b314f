/**
 * Field selectors (`?fieldSelector=spec.nodeName=n1,status.phase!=Failed`). The real API server
 * allows a fixed set of fields per type; kube-api evaluates any dotted path, which covers what
 * kubectl describe sends (events by involvedObject, pods by node and phase).
 */
import { badRequest } from './status.ts';

export interface FieldRequirement {
  readonly path: readonly string[];
  readonly equal: boolean;
  readonly value: string;
}

export function parseFieldSelector(selector: string): FieldRequirement[] {
  return selector
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .map((part) => {
      const match = /^([A-Za-z0-9_.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
      if (!match) throw badRequest(`invalid field selector: "${part}"`);
      return { path: (match[1] as string).split('.'), equal: match[2] !== '!=', value: match[3] as string };
    });
}

function fieldValue(object: unknown, path: readonly string[]): string {
  let current: unknown = object;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return '';
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === undefined || current === null) return '';
  return typeof current === 'object' ? JSON.stringify(current) : String(current);
}

export function matchesFields(requirements: readonly FieldRequirement[], object: unknown): boolean {
  return requirements.every((requirement) => (fieldValue(object, requirement.path) === requirement.value) === requirement.equal);
}
