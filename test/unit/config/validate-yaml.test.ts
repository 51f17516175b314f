import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InputError } from '../../../src/domain/errors.ts';
import {
  cpuSchema, durationSchema, formatFieldPath, memorySchema, parseLocatedYaml, validateLocated, validateYaml,
} from '../../../src/config/load-config.ts';
import { knownFieldsAt } from '../../../src/config/validate-yaml.ts';

/** A schema shaped like a simulation scenario, to show validateYaml is generic. */
const scenarioSchema = z.strictObject({
  name: z.string(),
  step: durationSchema,
  traffic: z.array(z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('trace'), path: z.string(), scale: z.number().gt(0) }),
    z.strictObject({ kind: z.literal('synthetic'), meanRps: z.number().min(0) }),
  ])),
  pod: z.strictObject({ cpu: cpuSchema, memory: memorySchema }),
});

const GOOD = [
  'name: replay',
  'step: 1s',
  'traffic:',
  '  - { kind: trace, path: sim/traces/nyc.csv, scale: 2 }',
  '  - kind: synthetic',
  '    meanRps: 100',
  'pod: { cpu: 250m, memory: 256Mi }',
].join('\n');

describe('validateYaml with any schema', () => {
  it('returns the schema\'s output with units converted', () => {
    expect(validateYaml(GOOD, 'scenario.yaml', scenarioSchema)).toEqual({
      name: 'replay', step: 1000,
      traffic: [{ kind: 'trace', path: 'sim/traces/nyc.csv', scale: 2 }, { kind: 'synthetic', meanRps: 100 }],
      pod: { cpu: 250, memory: 256 * 1024 ** 2 },
    });
  });

  it.each([
    { name: 'inside a flow mapping in a list', from: 'scale: 2 }', to: 'scale: 0 }', detail: 'scenario.yaml:4: traffic[0].scale: expected a number > 0, got 0' },
    { name: 'a union discriminator', from: 'kind: synthetic', to: 'kind: synthetc', detail: 'scenario.yaml:5: traffic[1].kind: expected one of "trace", "synthetic", got "synthetc"' },
    { name: 'a unit quantity', from: 'memory: 256Mi', to: 'memory: 256MB', detail: 'scenario.yaml:7: pod.memory: expected a memory quantity such as 512Mi or 2Gi, got "256MB"' },
    { name: 'a field of a union member', from: '    meanRps: 100', to: '    meanRps: 100\n    mean: 3', detail: 'scenario.yaml:7: traffic[1].mean: expected one of kind, path, scale, meanRps; "mean" is not a field, got 3' },
  ])('locates a problem in $name', ({ from, to, detail }) => {
    const text = GOOD.replace(from, to);
    expect(() => validateYaml(text, 'scenario.yaml', scenarioSchema)).toThrow(InputError);
    try {
      validateYaml(text, 'scenario.yaml', scenarioSchema);
    } catch (error) {
      expect((error as InputError).details).toEqual([detail]);
    }
  });

  it('lets a caller add its own located checks after parsing (e.g. a missing trace file)', () => {
    const located = parseLocatedYaml(GOOD, 'scenario.yaml');
    const scenario = validateLocated(located, scenarioSchema);
    expect(scenario.name).toBe('replay');
    expect(located.problem(['traffic', 0, 'path'], 'expected an existing trace file')).toEqual({
      source: 'scenario.yaml', line: 4, field: 'traffic[0].path', message: 'expected an existing trace file',
    });
  });

  it.each([
    { path: [], fields: ['name', 'step', 'traffic', 'pod'] },
    { path: ['traffic', 3], fields: ['kind', 'path', 'scale', 'meanRps'] },
    { path: ['pod'], fields: ['cpu', 'memory'] },
    { path: ['name'], fields: [] },
  ])('knownFieldsAt($path)', ({ path, fields }) => {
    expect(knownFieldsAt(scenarioSchema, path)).toEqual(fields);
  });

  it.each([
    { path: ['online', 2, 'startup', 'p95'], text: 'online[2].startup.p95' },
    { path: [0, 'a'], text: '[0].a' },
    { path: [], text: '' },
  ])('formatFieldPath → $text', ({ path, text }) => {
    expect(formatFieldPath(path)).toBe(text);
  });
});
