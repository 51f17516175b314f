/**
 * The plan file codec: a plan made by the real planner survives encode → decode bit for bit
 * (typed arrays, NaN), and bad files are refused with the file, the line and the field named.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePlan, encodePlan } from '../../../src/adapters/plan-file.ts';
import { InputError } from '../../../src/domain/errors.ts';
import type { CapacityPlan } from '../../../src/domain/plan.ts';
import { syntheticShift } from './bullmq/synthetic-shift.ts';
import { planCapacity } from '../../../src/planner/plan-capacity.ts';
import { forecast, online, planningInput, pool } from '../planner/fixtures.ts';

const NOW_MS = Date.UTC(2024, 10, 11, 11, 50);

function plannedShift(): CapacityPlan {
  return syntheticShift({ onlineCount: 3, offlineCount: 2, nowMs: NOW_MS, peakAtMs: NOW_MS + 20_000 }).plan;
}

function decodeError(text: string): InputError {
  try {
    decodePlan(text, 'plan.json');
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected the plan to be refused');
}

/** A plan file as parsed JSON, for editing in tests. */
type PlanDocument = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The encoded plan, edited as a JSON document. */
function edited(edit: (document: PlanDocument) => void): string {
  const document = JSON.parse(encodePlan(plannedShift(), 2)) as Record<string, unknown>;
  edit(document);
  return JSON.stringify(document, undefined, 2);
}

describe('plan file codec', () => {
  it('round-trips a planner-made plan: typed arrays, explanation and NaN demand intact', () => {
    const plan = plannedShift();
    const decoded = decodePlan(encodePlan(plan, 2), 'plan.json');
    expect(decoded).toEqual(plan);
    expect(decoded.replicas['pay-0000']).toBeInstanceOf(Int32Array);
    expect(decoded.explanation?.workloads['pay-0000']?.causes).toBeInstanceOf(Uint8Array);
    expect(decoded.explanation?.pools['general']?.onlineCpuMillicores).toBeInstanceOf(Float64Array);
    expect(JSON.parse(encodePlan(plan))).toMatchObject({ apiVersion: 'chuanliu.io/v1', kind: 'CapacityPlan', id: plan.id });
  });

  it('round-trips spill placements per pool and the placeholder series of a pre-provisioned pool', () => {
    const placeholders = { namespace: 'chuanliu-placeholders', deploymentName: 'chuanliu-placeholder-burst', priorityClassName: 'chuanliu-placeholder', priorityValue: -10, perPod: { cpuMillicores: 14_400, memoryBytes: 57 * 1024 ** 3 } };
    const plan = planCapacity(planningInput({
      inventory: {
        online: [online('checkout')],
        offline: [],
        nodePools: [pool('shared', { baseNodes: 2 }), pool('burst', { baseNodes: 0, elastic: { maxNodes: 10, provisioningMs: 240_000, placeholders } })],
      },
      forecasts: new Map([['checkout', forecast('checkout', { buckets: 120, rps: (i) => (i >= 60 ? 6000 : 1000) })]]),
    }));
    expect(Object.keys(plan.placeholders ?? {})).toEqual(['burst']);
    expect(plan.explanation?.workloads['checkout']?.poolReplicas?.['burst']?.some((value) => value > 0)).toBe(true);
    expect(decodePlan(encodePlan(plan), 'plan.json')).toEqual(plan);
  });

  it('keeps NaN (no forecast) as null in the file and NaN after decoding', () => {
    const plan = plannedShift();
    const detail = plan.explanation!.workloads['pay-0000']!;
    const demandRps = Float32Array.from(detail.demandRps!, (value, index) => (index === 0 ? Number.NaN : value));
    const withGap: CapacityPlan = { ...plan, explanation: { ...plan.explanation!, workloads: { ...plan.explanation!.workloads, 'pay-0000': { ...detail, demandRps } } } };
    const text = encodePlan(withGap);
    expect(text).toContain('"demandRps":[null,');
    expect(Number.isNaN(decodePlan(text, 'plan.json').explanation?.workloads['pay-0000']?.demandRps?.[0])).toBe(true);
  });

  it('decodes any replica table it encodes (property)', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 20 }),
      fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), fc.array(fc.nat({ max: 10_000 }), { minLength: 20, maxLength: 20 }), { maxKeys: 5 }),
      (slotCount, table) => {
        const replicas = Object.fromEntries(Object.entries(table).map(([name, values]) => [name, Int32Array.from(values.slice(0, slotCount))]));
        const plan: CapacityPlan = { id: 'p', createdAtMs: NOW_MS, startMs: NOW_MS, slotMs: 60_000, slotCount, replicas, nodes: {}, steps: [], shortfalls: [], brownoutOrder: [] };
        expect(decodePlan(encodePlan(plan), 'p.json')).toEqual(plan);
      },
    ));
  });

  it.each([
    { name: 'negative replicas', edit: (d: PlanDocument) => { d['replicas']['pay-0001'][3] = -2; }, field: 'replicas.pay-0001[3]', message: /expected a number ≥ 0, got -2/ },
    { name: 'a slot array shorter than slotCount', edit: (d: PlanDocument) => { d['replicas']['etl-0000'].pop(); }, field: 'replicas.etl-0000', message: /expected \d+ slots \(slotCount\)/ },
    { name: 'an unknown reason code', edit: (d: PlanDocument) => { d['steps'][0].reason = 'vibes'; }, field: 'steps[0].reason', message: /expected one of "forecast-increase"/ },
    { name: 'a misspelt field', edit: (d: PlanDocument) => { d['slotMS'] = d['slotMs']; }, field: 'slotMS', message: /did you mean "slotMs"/ },
    { name: 'the wrong kind', edit: (d: PlanDocument) => { d['kind'] = 'Forecast'; }, field: 'kind', message: /expected "CapacityPlan"/ },
    { name: 'a repeated step id', edit: (d: PlanDocument) => { d['steps'][1].id = d['steps'][0].id; }, field: 'steps[1].id', message: /unique step ids/ },
  ])('refuses $name with the file, line and field named', ({ edit, field, message }) => {
    const text = edited(edit);
    const error = decodeError(text);
    expect(error.location.source).toBe('plan.json');
    expect(error.location.field).toBe(field);
    expect(error.location.line).toBeGreaterThan(1);
    expect(error.message).toMatch(message);
  });

  it('lists every problem of a file at once', () => {
    const error = decodeError(edited((document) => {
      document['slotMs'] = 0;
      document['steps'][0].toReplicas = 1.5;
    }));
    expect(error.details).toHaveLength(2);
    expect(error.details.join('\n')).toMatch(/plan\.json:\d+: slotMs: expected a number > 0/);
    expect(error.details.join('\n')).toMatch(/plan\.json:\d+: steps\[0\]\.toReplicas: expected an integer/);
  });

  it('refuses text that is not JSON, naming the file', () => {
    const error = decodeError('{"apiVersion": "chuanliu.io/v1",');
    expect(error.message).toMatch(/^plan\.json, line 1: expected a JSON plan/);
  });
});
