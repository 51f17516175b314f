/**
 * Starting and stopping real server processes for integration tests: find the binary (fail loudly
 * when it is missing, never skip), keep the tail of its output for error messages, wait until it
 * answers, and stop it (SIGTERM, then SIGKILL) on teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export class MissingBinaryError extends Error {
  override readonly name = 'MissingBinaryError';
}

/** Throws with the install command when `binary` is not on PATH, so a test fails instead of skipping. */
export function requireBinary(binary: string, installHint: string): string {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new MissingBinaryError(`${binary} is not installed (needed by the integration tests): ${installHint}`);
  }
  return path;
}

export interface RunningProcess {
  child: ChildProcess;
  /** The last few kilobytes of stdout+stderr, for error messages. */
  output(): string;
  exited(): boolean;
  stop(): Promise<void>;
}

export function startProcess(command: string, args: string[], options: { cwd?: string } = {}): RunningProcess {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let hasExited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
    child.once('error', (error) => {
      tail += `\n${error.message}`;
      hasExited = true;
      resolve();
    });
  });
  return {
    child,
    output: () => tail,
    exited: () => hasExited,
    async stop() {
      if (hasExited) return;
      child.kill('SIGTERM');
      const killTimer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exit;
      clearTimeout(killTimer);
    },
  };
}

/** Polls `probe` until it returns true; fails with the process output when it exits or time runs out. */
export async function waitUntil(
  what: string,
  probe: () => Promise<boolean>,
  options: { process?: RunningProcess; timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const intervalMs = options.intervalMs ?? 100;
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (options.process?.exited()) {
      throw new Error(`${what}: the process exited before it was ready:\n${options.process.output()}`);
    }
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms${options.process ? `:\n${options.process.output()}` : ''}`);
}
