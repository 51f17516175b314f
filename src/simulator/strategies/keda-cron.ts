/**
 * `keda-cron`: the HPA plus calendar floors, the way KEDA's cron scaler is used for known peaks:
 * from each floor's start to its end the workload keeps at least `desiredReplicas`, with no lead
 * time beyond what the user wrote. The floors are stated in the scenario.
 *
 * Emulation: KEDA's operator polls its triggers every pollingInterval (default 30 s) and here
 * raises the HPA's minReplicas for the window (the HPA applies a raised min at its next sync,
 * without rate limits). Real KEDA feeds the cron trigger to the HPA as an External metric, so its
 * floor is subject to the HPA's scale-up rate limit; this emulation is therefore slightly kinder
 * to keda-cron than the real thing.
 */
import { z } from 'zod';
import { durationSchema, instantSchema, nameSchema } from '../../config/units-schema.ts';
import type { Strategy, StrategyFactory } from '../strategy.ts';
import { hpaSettingsShape, hpaSpecsFor, hpaSteadyStateReplicas } from './hpa.ts';
import { clampReplicas, initialReplicasWith } from './shared.ts';

const floorSchema = z.strictObject({
  workload: nameSchema,
  /** ISO 8601 instant with offset; the floor holds from here… */
  start: instantSchema,
  /** …until here (exclusive). */
  end: instantSchema,
  desiredReplicas: z.number().int().min(1),
}).superRefine((floor, ctx) => {
  if (!(floor.end > floor.start)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'expected an end after the start' });
});

export const kedaCronSettingsSchema = z.strictObject({
  ...hpaSettingsShape,
  /** KEDA's pollingInterval. @defaultValue 30s */
  pollingInterval: durationSchema.default(30_000),
  /** @defaultValue [] (then keda-cron is the plain HPA) */
  floors: z.array(floorSchema).default([]),
}).prefault({});

export type KedaCronSettings = z.output<typeof kedaCronSettingsSchema>;

export const kedaCronStrategy: StrategyFactory<KedaCronSettings> = {
  name: 'keda-cron',
  description: 'HPA plus cron floors (KEDA cron scaler) during stated windows',
  usesForesight: false,
  settingsSchema: kedaCronSettingsSchema,
  check(settings, scenario) {
    return settings.floors.flatMap((floor, index) => {
      const workloadIndex = scenario.workloadIndex(floor.workload);
      if (workloadIndex === undefined || scenario.workloads[workloadIndex]?.class !== 'online') {
        return [{ path: ['floors', index, 'workload'], message: `expected an online workload of the scenario (${scenario.online.map((w) => w.name).join(', ')}), got "${floor.workload}"` }];
      }
      return [];
    });
  },
  create(settings): Strategy {
    const floorAt = (workload: string, minReplicas: number, nowMs: number): number => {
      let floor = minReplicas;
      for (const window of settings.floors) {
        if (window.workload === workload && window.start <= nowMs && nowMs < window.end) floor = Math.max(floor, window.desiredReplicas);
      }
      return floor;
    };
    return {
      actIntervalMs: settings.pollingInterval,
      start(setup) {
        const startMs = setup.scenario.startMs;
        const hpas = hpaSpecsFor(setup, settings).map((hpa) => {
          const workload = setup.scenario.online.find((candidate) => candidate.name === hpa.workload)!;
          return { ...hpa, minReplicas: Math.min(hpa.maxReplicas, floorAt(workload.name, workload.minReplicas, startMs)) };
        });
        return {
          initialReplicas: initialReplicasWith(setup, (workload, index) => clampReplicas(workload, Math.max(
            hpaSteadyStateReplicas(workload, setup.warmStartDemandRps(index), settings),
            floorAt(workload.name, workload.minReplicas, startMs),
          ))),
          hpas,
        };
      },
      act({ nowMs, scenario, cluster }) {
        for (const workload of scenario.online) {
          const hpa = cluster.hpaForWorkload(cluster.requireWorkloadIndex(workload.name));
          if (hpa === undefined) continue;
          const floor = Math.min(hpa.maxReplicas, floorAt(workload.name, workload.minReplicas, nowMs));
          if (floor !== hpa.minReplicas) cluster.setHpaMinReplicas(hpa.name, floor);
        }
      },
    };
  },
};
