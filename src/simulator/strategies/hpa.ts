/**
 * `hpa`: every online workload gets a HorizontalPodAutoscaler (min/max from the workload), run by
 * the cluster's emulation of the Kubernetes HPA controller — 15 s sync, tolerance 0.1, 300 s
 * scale-down stabilization, scale-up limited to max(+100 %, +4 pods) per 15 s, unready and missing
 * pods dampening scale-up, and the metrics pipeline's lag (see adapters/memory/hpa/ and
 * cluster-spec.ts for the sources of each number). The strategy itself never writes.
 */
import { z } from 'zod';
import { durationSchema } from '../../config/units-schema.ts';
import type { OnlineWorkload } from '../../domain/workload.ts';
import type { HpaMetricSpec, SimulatedHpaSpec } from '../../adapters/memory/cluster-spec.ts';
import { DEFAULT_HPA_BEHAVIOR } from '../../adapters/memory/hpa/hpa-behavior.ts';
import type { Strategy, StrategyFactory, StrategySetup } from '../strategy.ts';
import { initialReplicasWith, replicasFor } from './shared.ts';

export const hpaSettingsShape = {
  /**
   * `cpu`: Resource metric, target utilization of the CPU request (a Ready replica at its
   * rpsPerReplica is at 100 %; utilization cannot show demand beyond that). `requests`: External
   * metric of offered requests/s with a per-replica AverageValue target. @defaultValue cpu
   */
  metric: z.enum(['cpu', 'requests']).default('cpu'),
  /** Target utilization, percent of the CPU request (cpu), or of rpsPerReplica (requests). @defaultValue 70 */
  targetUtilization: z.number().gt(0).max(100).default(70),
  /** --horizontal-pod-autoscaler-tolerance. @defaultValue 0.1 */
  tolerance: z.number().min(0).lt(1).default(0.1),
  /** behavior.scaleDown.stabilizationWindowSeconds. @defaultValue 5m */
  scaleDownStabilization: durationSchema.default(300_000),
};

export const hpaSettingsSchema = z.strictObject(hpaSettingsShape).prefault({});
export type HpaSettings = z.output<typeof hpaSettingsSchema>;

export function hpaMetricFor(workload: OnlineWorkload, settings: HpaSettings): HpaMetricSpec {
  return settings.metric === 'cpu'
    ? { kind: 'cpu', targetUtilizationPercent: settings.targetUtilization }
    : { kind: 'requests', targetAverageRps: (workload.rpsPerReplica * settings.targetUtilization) / 100 };
}

/** The HPA object of each online workload (named like the workload's `hpa`, else the workload). */
export function hpaSpecsFor(setup: StrategySetup, settings: HpaSettings): SimulatedHpaSpec[] {
  return setup.scenario.online.map((workload) => ({
    name: workload.hpaName ?? workload.name,
    workload: workload.name,
    minReplicas: workload.minReplicas,
    maxReplicas: workload.maxReplicas,
    metric: hpaMetricFor(workload, settings),
    tolerance: settings.tolerance,
    behavior: {
      ...DEFAULT_HPA_BEHAVIOR,
      scaleDown: { ...DEFAULT_HPA_BEHAVIOR.scaleDown, stabilizationWindowMs: settings.scaleDownStabilization },
    },
  }));
}

/** Where an HPA settles for a steady demand: replicas at the target utilization. */
export function hpaSteadyStateReplicas(workload: OnlineWorkload, demandRps: number, settings: HpaSettings): number {
  return replicasFor(workload, demandRps, (workload.rpsPerReplica * settings.targetUtilization) / 100);
}

export const hpaStrategy: StrategyFactory<HpaSettings> = {
  name: 'hpa',
  description: 'Kubernetes HPA emulation (15 s sync, tolerance, stabilization, rate limits, metrics lag)',
  usesForesight: false,
  settingsSchema: hpaSettingsSchema,
  create(settings): Strategy {
    return {
      start(setup) {
        return {
          initialReplicas: initialReplicasWith(setup, (workload, index) =>
            hpaSteadyStateReplicas(workload, setup.warmStartDemandRps(index), settings)),
          hpas: hpaSpecsFor(setup, settings),
        };
      },
    };
  },
};
