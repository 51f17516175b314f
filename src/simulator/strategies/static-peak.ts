/**
 * `static-peak`: capacity bought for the run's peak and held all the time — what a team without
 * autoscaling provisions. It reads the peak from the future (a yardstick: zero unserved at the
 * highest cost), never writes, and leaves offline work at its full parallelism.
 */
import { z } from 'zod';
import type { Strategy, StrategyFactory } from '../strategy.ts';
import { initialReplicasWith, replicasFor } from './shared.ts';

export const staticPeakSettingsSchema = z.strictObject({
  /** Extra capacity on top of the peak, percent. @defaultValue 0 */
  headroomPercent: z.number().min(0).default(0),
}).prefault({});

export type StaticPeakSettings = z.output<typeof staticPeakSettingsSchema>;

export const staticPeakStrategy: StrategyFactory<StaticPeakSettings> = {
  name: 'static-peak',
  description: 'replicas for the run\'s peak demand, all the time',
  usesForesight: true,
  settingsSchema: staticPeakSettingsSchema,
  create(settings): Strategy {
    return {
      start(setup) {
        const foresight = setup.foresight;
        if (foresight === undefined) throw new Error('static-peak needs foresight of the peak');
        return {
          initialReplicas: initialReplicasWith(setup, (workload, index) =>
            replicasFor(workload, foresight.peakRps(index) * (1 + settings.headroomPercent / 100))),
          hpas: [],
        };
      },
    };
  },
};
