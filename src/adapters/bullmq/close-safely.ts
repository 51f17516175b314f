/**
 * Closing a BullMQ Queue or Worker without crashing the process.
 *
 * BullMQ 5.81's RedisConnection removes every listener it has when it closes, and its constructor
 * re-emits a failed initialisation as an 'error' event. A connection closed while it is still
 * initialising (a leader stepping down right after it took the lease, Redis slow or away) therefore
 * emits 'error' with no listener left — an uncaught exception that ended the controller process (seen
 * on the real control plane under load). After close() settles, every connection of the object that
 * has no 'error' listener gets one that reports instead.
 */
import type { EventEmitter } from 'node:events';
import type { Queue, Worker } from 'bullmq';

/** True when `promise` settles within `timeoutMs` (its rejection is swallowed: closing is best effort). */
export async function settlesWithin(promise: Promise<unknown>, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
    timer.unref?.();
  });
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function connectionsOf(target: Queue | Worker): EventEmitter[] {
  // Both are protected in BullMQ's types; they are the objects that emit the late error.
  const fields = target as unknown as { connection?: EventEmitter; blockingConnection?: EventEmitter };
  return [fields.connection, fields.blockingConnection].filter((connection): connection is EventEmitter => connection !== undefined);
}

/** Closes `target`; true when it closed within `timeoutMs`. A late connection error goes to `onError`. */
export function closeSafely(target: Queue | Worker, timeoutMs: number, onError: (error: Error) => void): Promise<boolean> {
  const connections = connectionsOf(target);
  const guard = (): void => {
    for (const connection of connections) {
      if (connection.listenerCount('error') === 0) connection.on('error', (error: Error) => onError(error));
    }
  };
  const closing = target.close();
  void closing.then(guard, guard);
  return settlesWithin(closing, timeoutMs);
}
