/**
 * What a parser may do with bad input: accept it (some mutations are still valid), or refuse it
 * with an InputError that names where (the source, and a line or a field) in a message a person can
 * read (no stack trace). Anything else — another error class, an unlocated error — is a failure,
 * thrown so fast-check reports (and shrinks) the input with its seed.
 */
import { InputError } from '../../../src/domain/errors.ts';

export interface Tally {
  inputs: number;
  accepted: number;
  refused: number;
}

export function newTally(): Tally {
  return { inputs: 0, accepted: 0, refused: 0 };
}

const STACK_FRAME = /\n\s+at .+[(:]\d+/;

/** Problems with an InputError as a user would see it; empty when it is a clear, located message. */
export function locationProblems(error: InputError, options: { requireLineOrField?: boolean } = {}): string[] {
  const problems: string[] = [];
  if (error.location.source === undefined || error.location.source === '') problems.push('no source');
  if ((options.requireLineOrField ?? true) && error.location.line === undefined && error.location.field === undefined) problems.push('neither line nor field');
  if (error.message.trim() === '') problems.push('empty message');
  if (STACK_FRAME.test(error.message) || error.details.some((detail) => STACK_FRAME.test(detail))) problems.push('stack trace in the message');
  return problems;
}

/**
 * Runs `parse`; returns normally when it accepted the input or refused it properly, throws
 * (failing the property) otherwise.
 */
export async function expectAcceptedOrLocated(
  parse: () => unknown,
  tally: Tally,
  options: {
    expectedSource?: (source: string) => boolean;
    requireLineOrField?: boolean;
    /**
     * The input's own source. An error naming another file it refers to, which cannot be read at
     * all, may name just that file (there is no line in a file that is not there).
     */
    inputSource?: string;
  } = {},
): Promise<void> {
  tally.inputs += 1;
  try {
    await parse();
    tally.accepted += 1;
  } catch (error) {
    if (!(error instanceof InputError)) {
      throw new Error(`not an InputError: ${error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error)}`);
    }
    const unreadableReference = options.inputSource !== undefined && error.location.source !== options.inputSource && /cannot read/.test(error.message);
    const problems = locationProblems(error, { requireLineOrField: (options.requireLineOrField ?? true) && !unreadableReference });
    if (options.expectedSource !== undefined && error.location.source !== undefined && !options.expectedSource(error.location.source)) {
      problems.push(`unexpected source ${error.location.source}`);
    }
    if (problems.length > 0) throw new Error(`badly reported InputError (${problems.join(', ')}): ${error.message}`);
    tally.refused += 1;
  }
}
