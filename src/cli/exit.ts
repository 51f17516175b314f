import { CommanderError } from 'commander';
import { InputError } from '../domain/errors.ts';

/** Exit codes of every command: 0 success, 2 bad input (the user can fix it), 1 runtime failure. */
export const EXIT_OK = 0;
export const EXIT_RUNTIME_FAILURE = 1;
export const EXIT_BAD_INPUT = 2;

/** Turns any thrown value into the message and exit code the user sees; no stack traces for bad input. */
export function describeFailure(error: unknown): { exitCode: number; message: string } {
  if (error instanceof InputError) {
    const more = error.details.map((detail) => `  - ${detail}`).join('\n');
    return { exitCode: EXIT_BAD_INPUT, message: `error: ${error.message}${more ? `\n${more}` : ''}` };
  }
  if (error instanceof CommanderError) {
    // Commander already printed its message (unknown option, missing argument…).
    return { exitCode: error.exitCode === 0 ? EXIT_OK : EXIT_BAD_INPUT, message: '' };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { exitCode: EXIT_RUNTIME_FAILURE, message: `chuanliu failed: ${message}` };
}
