import { Command } from 'commander';

type Register = (program: Command) => void;

/**
 * The one list of commands. Each lives in its own module under src/cli/ and exports a
 * `register…Command(program)` function. Modules load lazily: `chuanliu plan` should not pay for
 * loading client-node, BullMQ and the simulator (seconds of start-up on every invocation).
 */
const commandLoaders: Readonly<Record<string, () => Promise<Register>>> = {
  forecast: async () => (await import('./forecast.ts')).registerForecastCommand,
  backtest: async () => (await import('./backtest.ts')).registerBacktestCommand,
  plan: async () => (await import('./plan.ts')).registerPlanCommand,
  explain: async () => (await import('./explain.ts')).registerExplainCommand,
  simulate: async () => (await import('./simulate.ts')).registerSimulateCommand,
  demo: async () => (await import('./demo.ts')).registerDemoCommand,
  controller: async () => (await import('./controller.ts')).registerControllerCommand,
  reconcile: async () => (await import('./reconcile.ts')).registerReconcileCommand,
  apply: async () => (await import('./apply.ts')).registerApplyCommand,
  status: async () => (await import('./status.ts')).registerStatusCommand,
  'kube-api': async () => (await import('./kube-api.ts')).registerKubeApiCommand,
  event: async () => (await import('./event.ts')).registerEventCommand,
  trace: async () => (await import('./trace.ts')).registerTraceCommand,
  placeholders: async () => (await import('./placeholders.ts')).registerPlaceholdersCommand,
  pause: async () => (await import('./operator-controls.ts')).registerOperatorControlsCommands,
  resume: async () => (await import('./operator-controls.ts')).registerOperatorControlsCommands,
  override: async () => (await import('./operator-controls.ts')).registerOperatorControlsCommands,
};

/**
 * Builds the command tree. With `argv`, only the command it names is loaded (all of them when it
 * names none, e.g. `--help`, so help lists every command); without, every command is loaded.
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const program = new Command('chuanliu')
    .description('Elastic capacity scheduler for stacked traffic peaks: forecast, plan time-sharing, apply, simulate.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  const named = argv?.find((arg) => !arg.startsWith('-'));
  const names = named !== undefined && named in commandLoaders ? [named] : Object.keys(commandLoaders);
  // One module may register several commands (pause, resume, override): each register runs once.
  const registered = new Set<Register>();
  for (const name of names) {
    const register = await (commandLoaders[name] as () => Promise<Register>)();
    if (registered.has(register)) continue;
    registered.add(register);
    register(program);
  }
  return program;
}
