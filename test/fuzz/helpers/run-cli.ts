/**
 * Runs the chuanliu CLI in this process, exactly as src/main.ts does (same program, same
 * exitOverride, same failure mapping), so hundreds of generated command lines cost milliseconds
 * each instead of a process start. stdout and stderr are captured; a `process.exit` call (which
 * would bypass the exit-code mapping) is caught and reported as such.
 */
import { describeFailure } from '../../../src/cli/exit.ts';
import { buildProgram } from '../../../src/cli/program.ts';

export interface CliOutcome {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The error the command threw (undefined on success). */
  readonly error?: unknown;
  /** Set when the command called process.exit itself. */
  readonly exitedDirectly?: number;
}

class ProcessExit extends Error {
  constructor(readonly code: number) {
    super(`process.exit(${code})`);
  }
}

let running = false;

export async function runCli(args: readonly string[]): Promise<CliOutcome> {
  if (running) throw new Error('runCli is not reentrant: it captures the process streams');
  running = true;
  const stdout: string[] = [];
  const stderr: string[] = [];
  const originalOut = process.stdout.write.bind(process.stdout);
  const originalErr = process.stderr.write.bind(process.stderr);
  const originalExit = process.exit.bind(process);
  const capture = (into: string[]) => ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((value) => typeof value === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = capture(stdout);
  process.stderr.write = capture(stderr);
  process.exit = ((code?: number) => {
    throw new ProcessExit(code ?? 0);
  }) as typeof process.exit;
  try {
    const program = await buildProgram();
    program.commands.forEach((command) => command.exitOverride());
    try {
      await program.parseAsync([...args], { from: 'user' });
      return { exitCode: 0, stdout: stdout.join(''), stderr: stderr.join('') };
    } catch (error) {
      if (error instanceof ProcessExit) return { exitCode: error.code, stdout: stdout.join(''), stderr: stderr.join(''), error, exitedDirectly: error.code };
      const { exitCode, message } = describeFailure(error);
      if (message) stderr.push(`${message}\n`);
      return { exitCode, stdout: stdout.join(''), stderr: stderr.join(''), error };
    }
  } finally {
    process.stdout.write = originalOut;
    process.stderr.write = originalErr;
    process.exit = originalExit;
    running = false;
  }
}
