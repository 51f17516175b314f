/**
 * A short-notice livestream on the SYNTHETIC Double-11 evening: a PeakEvent announced 25 minutes
 * before its 19:05 start (in no calendar), as `chuanliu demo` shows it. chuanliu must not know of it
 * before the announcement, must take it in at once after (re-forecast and re-plan at the next act),
 * and must have the capacity up at its start; the same event announced only at its start shows what
 * the notice is worth.
 */
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/domain/errors.ts';
import { MINUTE_MS } from '../../src/domain/units.ts';
import { runSimulation } from '../../src/simulator/engine.ts';
import { loadScenarioFile, parseScenarioText } from '../../src/simulator/load-scenario.ts';
import { createChuanliuStrategy } from '../../src/simulator/strategies/chuanliu.ts';
import { ChuanliuRunRecorder } from '../../src/simulator/strategies/chuanliu/run-recorder.ts';
import { builtinStrategies } from '../../src/simulator/strategies/index.ts';
import { StrategyRegistry } from '../../src/simulator/strategy.ts';
import type { AnnouncedPeakEventInput } from '../../src/simulator/announced-events.ts';

const scenarioPath = fileURLToPath(new URL('../../sim/double11.yaml', import.meta.url));
const EVENT_START_MS = Date.parse('2026-11-11T19:05:00+08:00');
const RUN_START_MS = Date.parse('2026-11-11T18:30:00+08:00');
const RUN_END_MS = Date.parse('2026-11-11T19:30:00+08:00');

function livestream(announcedAtMs: number): AnnouncedPeakEventInput {
  return {
    announcedAtMs,
    object: {
      apiVersion: 'chuanliu.io/v1alpha1',
      kind: 'PeakEvent',
      metadata: { name: 'flash-1905', namespace: 'shop' },
      spec: {
        kind: 'livestream', start: '2026-11-11T19:05:00+08:00', duration: '15m', ramp: '10s', timeZone: 'Asia/Shanghai',
        expectedRps: { payment: 25000, checkout: 20000 }, decayHalfLife: '2m',
      },
    },
  };
}

async function run(announcedAtMs: number) {
  const recorder = new ChuanliuRunRecorder({ keepPlans: 'all' });
  const builtin = builtinStrategies();
  const registry = new StrategyRegistry();
  for (const name of builtin.names()) registry.register(name === 'chuanliu' ? createChuanliuStrategy(recorder) : builtin.get(name));
  // The evening's file with a shorter window (the traffic is generated for the window it is loaded with).
  const text = (await readFile(scenarioPath, 'utf8'))
    .replace(/^start: .*$/m, `start: ${new Date(RUN_START_MS).toISOString()}`)
    .replace(/^end: .*$/m, `end: ${new Date(RUN_END_MS).toISOString()}`);
  const scenario = await parseScenarioText(text, scenarioPath, { registry, baseDir: dirname(scenarioPath), peakEvents: [livestream(announcedAtMs)] });
  const result = await runSimulation(scenario, { strategies: ['chuanliu'], registry, workloadTimelines: false });
  const score = result.scores.find((candidate) => candidate.strategy === 'chuanliu');
  if (score === undefined) throw new Error('no chuanliu score');
  return { scenario, recorder, score };
}

const knowsEvent = (occurrences: readonly { startMs: number }[] | undefined): boolean => (occurrences ?? []).some((occurrence) => occurrence.startMs === EVENT_START_MS);

describe('a short-notice PeakEvent in the simulation', () => {
  it('is in the traffic and scored from the start, but chuanliu learns of it only when announced, re-plans at once and is ready at its start', async () => {
    const announcedAtMs = EVENT_START_MS - 25 * MINUTE_MS;
    const { scenario, recorder, score } = await run(announcedAtMs);
    expect(scenario.events.some((occurrence) => occurrence.startMs === EVENT_START_MS)).toBe(true);
    expect(scenario.calendar?.events.some((event) => event.id.startsWith('peakevent/'))).toBe(false);

    const before = recorder.plans.filter((entry) => entry.atMs < announcedAtMs);
    expect(before.length).toBeGreaterThan(0);
    for (const entry of before) expect(knowsEvent(entry.plan.explanation?.occurrences), `plan at ${new Date(entry.atMs).toISOString()}`).toBe(false);

    const takenIn = recorder.plans.find((entry) => entry.atMs >= announcedAtMs);
    expect(takenIn?.reason).toBe('peak-event flash-1905');
    // The next act after the announcement (acts every 5 s).
    expect((takenIn?.atMs ?? Infinity) - announcedAtMs).toBeLessThanOrEqual(5_000);
    expect(knowsEvent(takenIn?.plan.explanation?.occurrences)).toBe(true);

    const acquires = recorder.writes.filter((write) => write.target === 'payment' && write.phase === 'acquire' && write.atMs >= announcedAtMs && write.atMs < EVENT_START_MS);
    expect(acquires.length).toBeGreaterThan(0);
    // The only event starting in this window is the livestream: at most the golden run's 2 s.
    expect(score.unservedSecondsAtEventStarts).toBeLessThanOrEqual(2);
  }, 300_000);

  it('announced only at its start, it is served worse at its start than with 25 minutes of notice', async () => {
    const [noticed, unnoticed] = [await run(EVENT_START_MS - 25 * MINUTE_MS), await run(EVENT_START_MS)];
    expect(unnoticed.score.unservedRequests).toBeGreaterThan(noticed.score.unservedRequests);
    expect(unnoticed.score.unservedSecondsAtEventStarts).toBeGreaterThan(noticed.score.unservedSecondsAtEventStarts);
  }, 600_000);

  it('reads peakEvents from the scenario file, and refuses a bad one naming the entry and its field', async () => {
    const registry = builtinStrategies();
    const entry = (kind: string): string => [
      'peakEvents:',
      '  - announcedAt: 2026-11-11T18:40:00+08:00',
      '    event:',
      '      apiVersion: chuanliu.io/v1alpha1',
      '      kind: PeakEvent',
      '      metadata: { name: flash-1905, namespace: shop }',
      `      spec: { kind: ${kind}, start: "2026-11-11T19:05:00+08:00", duration: 15m, ramp: 10s, timeZone: Asia/Shanghai, expectedRps: { payment: 25000 } }`,
    ].join('\n');
    const base = await readFile(scenarioPath, 'utf8');
    const loaded = await parseScenarioText(`${base}\n${entry('livestream')}\n`, scenarioPath, { registry, baseDir: dirname(scenarioPath) });
    expect(loaded.announcedEvents.map((announced) => [announced.event.name, announced.announcedAtMs])).toEqual([['flash-1905', Date.parse('2026-11-11T18:40:00+08:00')]]);
    expect(loaded.events.some((occurrence) => occurrence.startMs === EVENT_START_MS)).toBe(true);
    await expect(parseScenarioText(`${base}\n${entry('flashmob')}\n`, scenarioPath, { registry, baseDir: dirname(scenarioPath) }))
      .rejects.toThrow(/peakEvents\[0\].*spec\.kind|spec\.kind.*peakEvents\[0\]/s);
  });

  it('refuses an announcement after the event started, naming the entry and field', async () => {
    const registry = new StrategyRegistry();
    for (const name of builtinStrategies().names()) registry.register(builtinStrategies().get(name));
    const late = livestream(EVENT_START_MS + MINUTE_MS);
    await expect(loadScenarioFile(scenarioPath, { registry, peakEvents: [late] })).rejects.toThrow(/peakEvents\[0\].*announcedAt|announcedAt.*after/s);
    await expect(loadScenarioFile(scenarioPath, { registry, peakEvents: [late] })).rejects.toBeInstanceOf(InputError);
  });
});
