/**
 * Composition root: the only place adapters are built and the process exits.
 */
import { buildProgram } from './cli/program.ts';
import { describeFailure } from './cli/exit.ts';

export async function main(argv: readonly string[]): Promise<number> {
  const program = await buildProgram(argv);
  program.commands.forEach((command) => command.exitOverride());
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    const { exitCode, message } = describeFailure(error);
    if (message) process.stderr.write(`${message}\n`);
    return exitCode;
  }
}

process.exitCode = await main(process.argv.slice(2));
