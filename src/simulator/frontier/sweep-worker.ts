/**
 * A worker process of `runSweep`: receives `{ index, run }`, runs that one point and answers with
 * its point (or the error). Started by sweep.ts with tsx; ends when its parent disconnects.
 */
import { performance } from 'node:perf_hooks';
import { runSweepPoint, type SweepRun, type WorkerAnswer } from './sweep.ts';

process.on('message', (message: { index: number; run: SweepRun }) => {
  const startedAt = performance.now();
  runSweepPoint(message.run).then(
    (point) => reply({ index: message.index, point, seconds: (performance.now() - startedAt) / 1000 }),
    (error: unknown) => reply({ index: message.index, error: error instanceof Error ? error.stack ?? error.message : String(error) }),
  );
});

function reply(answer: WorkerAnswer): void {
  process.send?.(answer);
}
