/**
 * Operators in charge: an override is a floor until its expiry and stops applying by itself; a
 * pause makes every tick decide and report and write nothing; both are told as Events. On the
 * in-memory cluster with a manual clock (no timing assertions).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { CorrelatingEventRecorder } from '../../../src/adapters/events/correlating-recorder.ts';
import { InProcessQueue } from '../../../src/adapters/memory/in-process-queue.ts';
import { MemoryAppliedStepStore } from '../../../src/adapters/memory/memory-applied-steps.ts';
import { MemoryEventSink } from '../../../src/adapters/memory/memory-events.ts';
import { Controller, type ControllerJob } from '../../../src/controller/controller.ts';
import {
  OVERRIDE_MIN_ANNOTATION, OVERRIDE_UNTIL_ANNOTATION, operatorOverrides, parseOverrideAnnotations,
} from '../../../src/controller/operator-overrides.ts';
import { RuntimeFailure } from '../../../src/domain/errors.ts';
import type { OperatorControlsSource, PauseState } from '../../../src/ports/operator-controls.ts';
import { planOf, snapshotOf, standardInventory, T0 } from './fixtures.ts';
import { controlledState, memoryCluster } from './memory-setup.ts';

const UNTIL = T0 + 10 * 60_000;
const overrideOn = (min: number, untilMs = UNTIL): Record<string, string> => ({
  [OVERRIDE_MIN_ANNOTATION]: String(min), [OVERRIDE_UNTIL_ANNOTATION]: new Date(untilMs).toISOString(),
});

describe('operatorOverrides (pure)', () => {
  const inventory = standardInventory();

  it('an override is a floor until its expiry, then listed as expired and no floor at all', () => {
    const snapshot = snapshotOf(inventory, { pay: { desired: 4, annotations: overrideOn(30) } });
    const before = operatorOverrides({ snapshot, inventory, nowMs: UNTIL - 1 });
    expect(before.floors).toEqual([expect.objectContaining({ workload: 'pay', kind: 'floor', replicas: 30, stepId: `override/pay/${UNTIL}` })]);
    const after = operatorOverrides({ snapshot, inventory, nowMs: UNTIL });
    expect(after.floors).toEqual([]);
    expect(after.expired.map((override) => override.workload)).toEqual(['pay']);
  });

  it('is held to the workload\'s maximum (a refused tick would hold everything else too)', () => {
    const snapshot = snapshotOf(inventory, { pay: { desired: 4, annotations: overrideOn(5_000) } });
    expect(operatorOverrides({ snapshot, inventory, nowMs: T0 }).floors[0]?.replicas).toBe(200);
  });

  it.each([
    ['only one annotation', { [OVERRIDE_MIN_ANNOTATION]: '10' }, /go together/],
    ['a negative floor', overrideOn(-3), /not a whole number/],
    ['an expiry that is no time', { [OVERRIDE_MIN_ANNOTATION]: '10', [OVERRIDE_UNTIL_ANNOTATION]: 'tonight' }, /not an RFC 3339 time/],
  ])('%s is ignored and reported', (_name, annotations, message) => {
    const snapshot = snapshotOf(inventory, { pay: { desired: 4, annotations } });
    const result = operatorOverrides({ snapshot, inventory, nowMs: T0 });
    expect(result.floors).toEqual([]);
    expect(result.invalid[0]?.message).toMatch(message);
    expect(parseOverrideAnnotations(annotations)).toHaveProperty('error');
  });
});

class SwitchableControls implements OperatorControlsSource {
  readonly object = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'chuanliu-system', name: 'chuanliu-controls' };
  state: PauseState = { paused: false };
  unreadable = false;
  read(): Promise<PauseState> {
    return this.unreadable ? Promise.reject(new RuntimeFailure('HTTP 503')) : Promise.resolve(this.state);
  }
}

const running: Controller[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((controller) => controller.close()));
});

function setUp(initial: Record<string, number>) {
  const inventory = standardInventory();
  const { cluster, clock } = memoryCluster({ inventory, initial });
  const sink = new MemoryEventSink();
  const events = new CorrelatingEventRecorder({ sink, clock });
  const controls = new SwitchableControls();
  const controller = new Controller({
    cluster, inventory, clock, queue: new InProcessQueue<ControllerJob>({ clock }), appliedSteps: new MemoryAppliedStepStore(), events, controls,
  });
  running.push(controller);
  const reasons = async (): Promise<string[]> => {
    await events.idle();
    return sink.list().map((record) => `${record.event.reason} ${record.event.regarding.kind}/${record.event.regarding.name} x${record.count}`);
  };
  return { cluster, clock, controller, controls, sink, events, reasons };
}

describe('Controller with operators in charge', () => {
  it('override: raises the floor, applies while valid, and stops applying by itself at expiry', async () => {
    const { cluster, clock, controller, reasons } = setUp({ pay: 4, etl: 10 });
    await controller.adoptPlan(planOf({ replicas: { pay: [4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4], etl: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10] } }));
    cluster.simulation.annotate(cluster.simulation.requireWorkloadIndex('pay'), overrideOn(9));
    const raised = await controller.reconcileNow();
    expect(raised.status).toBe('done');
    expect((await controlledState(cluster))['pay']).toBe(9);
    expect(raised.operatorOverrides?.active.map((override) => override.workload)).toEqual(['pay']);
    expect(await reasons()).toEqual(expect.arrayContaining(['ScaledForPeak Deployment/pay x1', 'OverrideApplied Deployment/pay x1']));

    await clock.advanceTo(UNTIL);
    const expired = await controller.reconcileNow();
    // The plan alone applies again: pay goes back to its level.
    expect(expired.operatorOverrides?.expired.map((override) => override.workload)).toEqual(['pay']);
    expect((await controlledState(cluster))['pay']).toBe(4);
    expect(await reasons()).toEqual(expect.arrayContaining(['OverrideExpired Deployment/pay x1', 'ScaledBack Deployment/pay x1']));
  });

  it('pause: ticks decide and report, nothing is written, said every tick; resume: the plan is applied', async () => {
    const { cluster, clock, controller, controls, reasons } = setUp({ pay: 4, etl: 10 });
    controls.state = { paused: true, by: 'sre@ops', since: '2026-11-11T19:40:00Z', reason: 'flash sale drill' };
    await controller.adoptPlan(planOf({ replicas: { pay: [12, 12, 12], etl: [6, 6, 6] } }));
    const first = await controller.reconcileNow();
    await clock.advance(1_000);
    const second = await controller.reconcileNow();
    for (const result of [first, second]) {
      expect(result.status).toBe('paused');
      expect(result.message).toMatch(/^chuanliu paused by sre@ops since 2026-11-11T19:40:00Z \(flash sale drill\): nothing written \(would write etl 10→6, pay 4→12\)/);
      expect(result.records).toEqual([]);
    }
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 10 });
    expect(await reasons()).toEqual(expect.arrayContaining([
      // pay's raise fits the free room (it does not wait for etl's drain), so both are held back by the pause.
      'Paused ConfigMap/chuanliu-controls x1', 'Paused Deployment/etl x2', 'Paused Deployment/pay x2',
    ]));

    controls.state = { paused: false };
    await clock.advance(1_000);
    const resumed = await controller.reconcileNow();
    expect(resumed.status).toBe('done');
    expect((await controlledState(cluster))['etl']).toBe(6);
    expect(await reasons()).toEqual(expect.arrayContaining(['Resumed ConfigMap/chuanliu-controls x1', 'ReleasedForPeak Deployment/etl x1']));
  });

  it('a pause switch that cannot be read holds: nothing written', async () => {
    const { cluster, controller, controls } = setUp({ pay: 4, etl: 10 });
    controls.unreadable = true;
    await controller.adoptPlan(planOf({ replicas: { pay: [12, 12], etl: [6, 6] } }));
    const result = await controller.reconcileNow();
    expect(result.status).toBe('held');
    expect(result.message).toMatch(/cannot read the pause switch: HTTP 503/);
    expect(await controlledState(cluster)).toMatchObject({ pay: 4, etl: 10 });
  });

  it('an Event that cannot be written never fails the tick', async () => {
    const inventory = standardInventory();
    const { cluster, clock } = memoryCluster({ inventory, initial: { pay: 4, etl: 10 } });
    const drops: string[] = [];
    const events = new CorrelatingEventRecorder({
      sink: { create: () => Promise.reject(new Error('HTTP 403: forbidden')), updateSeries: () => Promise.reject(new Error('HTTP 403')) },
      clock, onDropped: (reason) => drops.push(reason),
    });
    const controller = new Controller({ cluster, inventory, clock, queue: new InProcessQueue<ControllerJob>({ clock }), appliedSteps: new MemoryAppliedStepStore(), events });
    running.push(controller);
    await controller.adoptPlan(planOf({ replicas: { pay: [12, 12], etl: [6, 6] } }));
    expect((await controller.reconcileNow()).status).toBe('done');
    await events.idle();
    expect(drops.length).toBeGreaterThan(0);
    expect(new Set(drops)).toEqual(new Set(['write-failed']));
  });
});
