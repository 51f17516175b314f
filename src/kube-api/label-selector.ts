/**
 * Label selectors, both the `?labelSelector=` string form (equality- and set-based) and the
 * `LabelSelector` object form used in specs (matchLabels + matchExpressions).
 */
import { badRequest } from './status.ts';

export type Requirement =
  | { readonly key: string; readonly operator: 'in' | 'notin'; readonly values: readonly string[] }
  | { readonly key: string; readonly operator: 'exists' | 'doesnotexist' };

export type Labels = Readonly<Record<string, string>> | undefined;

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

const keyPattern = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valuePattern = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/** Splits on commas that are not inside parentheses: `a in (x,y),b=c` → [`a in (x,y)`, `b=c`]. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of text) {
    if (character === '(') depth += 1;
    if (character === ')') depth -= 1;
    if (character === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part.length > 0);
}

function checkKey(key: string, selector: string): string {
  if (!keyPattern.test(key)) throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${selector}"`);
  return key;
}

function checkValue(value: string, selector: string): string {
  if (value.length > 63 || !valuePattern.test(value)) throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${selector}"`);
  return value;
}

/** Parses `app=web,tier!=db,env in (prod,staging),!legacy,canary`. Empty string selects everything. */
export function parseLabelSelector(selector: string): Requirement[] {
  const requirements: Requirement[] = [];
  for (const part of splitTopLevel(selector)) {
    const setMatch = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(part);
    if (setMatch) {
      const values = (setMatch[3] as string).split(',').map((value) => checkValue(value.trim(), selector));
      requirements.push({ key: checkKey(setMatch[1] as string, selector), operator: setMatch[2] as 'in' | 'notin', values });
      continue;
    }
    const equalityMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
    if (equalityMatch) {
      const key = checkKey(equalityMatch[1] as string, selector);
      const value = checkValue(equalityMatch[3] as string, selector);
      requirements.push({ key, operator: equalityMatch[2] === '!=' ? 'notin' : 'in', values: [value] });
      continue;
    }
    if (part.startsWith('!')) {
      requirements.push({ key: checkKey(part.slice(1).trim(), selector), operator: 'doesnotexist' });
      continue;
    }
    requirements.push({ key: checkKey(part, selector), operator: 'exists' });
  }
  return requirements;
}

export function matchesRequirements(requirements: readonly Requirement[], labels: Labels): boolean {
  return requirements.every((requirement) => {
    const value = labels?.[requirement.key];
    switch (requirement.operator) {
      case 'in':
        return value !== undefined && requirement.values.includes(value);
      case 'notin':
        return value === undefined || !requirement.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'doesnotexist':
        return value === undefined;
    }
  });
}

/** Requirements of a spec `LabelSelector`. An empty selector object selects everything. */
export function requirementsOf(selector: LabelSelectorObject | undefined): Requirement[] {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    requirements.push({ key, operator: 'in', values: [value] });
  }
  for (const expression of selector?.matchExpressions ?? []) {
    const operator = expression.operator.toLowerCase() as Requirement['operator'];
    if (operator === 'in' || operator === 'notin') requirements.push({ key: expression.key, operator, values: expression.values ?? [] });
    else requirements.push({ key: expression.key, operator });
  }
  return requirements;
}

/** The string form (`app=web,tier in (a,b)`), as a Scale's `status.selector` carries it. */
export function formatRequirements(requirements: readonly Requirement[]): string {
  return requirements
    .map((requirement) => {
      switch (requirement.operator) {
        case 'in':
          return requirement.values.length === 1 ? `${requirement.key}=${requirement.values[0]}` : `${requirement.key} in (${requirement.values.join(',')})`;
        case 'notin':
          return requirement.values.length === 1 ? `${requirement.key}!=${requirement.values[0]}` : `${requirement.key} notin (${requirement.values.join(',')})`;
        case 'exists':
          return requirement.key;
        case 'doesnotexist':
          return `!${requirement.key}`;
      }
    })
    .join(',');
}
