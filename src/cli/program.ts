import { Command } from 'commander';
import { registerKubeApiCommand } from './kube-api.ts';
import { registerControllerCommand } from './controller.ts';
import { registerTraceCommand } from './trace.ts';
import { registerSimulateCommand } from './simulate.ts';
import { registerPlanCommand } from './plan.ts';
import { registerExplainCommand } from './explain.ts';
import { registerForecastCommand } from './forecast.ts';
import { registerBacktestCommand } from './backtest.ts';

/**
 * Builds the command tree. Each command lives in its own module under src/cli/ and exports a
 * `register…Command(program)` function; this is the one list of them.
 */
export function buildProgram(): Command {
  const program = new Command('chuanliu')
    .description('Elastic capacity scheduler for stacked traffic peaks: forecast, plan time-sharing, apply, simulate.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  registerTraceCommand(program);
  registerSimulateCommand(program);
  registerKubeApiCommand(program);
  registerControllerCommand(program);
  registerPlanCommand(program);
  registerExplainCommand(program);
  registerForecastCommand(program);
  registerBacktestCommand(program);
  return program;
}
