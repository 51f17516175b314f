/**
 * Captures what a synchronous call prints to stdout. The npm `arima` package (an Emscripten build)
 * prints its optimiser's complaints there, which would corrupt `-o json` output and the bench log.
 */
import type { OutputCapture } from '../forecaster/backtest/baselines/arima.ts';

export const captureStdout: OutputCapture = <T>(call: () => T) => {
  const stream = process.stdout;
  const original = stream.write;
  let printed = '';
  stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    printed += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    const callback = rest.find((argument): argument is () => void => typeof argument === 'function');
    callback?.();
    return true;
  }) as typeof stream.write;
  try {
    return { value: call(), printed };
  } finally {
    stream.write = original;
  }
};
