/** The built-in strategies; a new strategy is one import and one `register` line here. */
import { StrategyRegistry } from '../strategy.ts';
import { chuanliuStrategy } from './chuanliu.ts';
import { hpaStrategy } from './hpa.ts';
import { kedaCronStrategy } from './keda-cron.ts';
import { oracleStrategy } from './oracle.ts';
import { staticPeakStrategy } from './static-peak.ts';

export function builtinStrategies(): StrategyRegistry {
  return new StrategyRegistry()
    .register(staticPeakStrategy)
    .register(hpaStrategy)
    .register(kedaCronStrategy)
    .register(oracleStrategy)
    .register(chuanliuStrategy);
}

/** Strategies run when none are named. */
export const DEFAULT_STRATEGIES = ['static-peak', 'hpa', 'keda-cron', 'chuanliu', 'oracle'] as const;

/** The yardsticks chuanliu is measured against (the golden runs of the simulator pin these). */
export const BASELINE_STRATEGIES = ['static-peak', 'hpa', 'keda-cron', 'oracle'] as const;
