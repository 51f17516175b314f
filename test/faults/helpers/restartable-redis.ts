/**
 * A real `redis-server` that a fault test can kill (SIGKILL) and start again on the same port,
 * either with its data (append-only file kept, as a Redis with persistence would come back) or
 * empty (no persistence: every key, lease and delayed job is gone).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../integration/helpers/free-port.ts';
import { requireBinary, startProcess, waitUntil, type RunningProcess } from '../../integration/helpers/process.ts';
import { ping } from '../../integration/helpers/redis.ts';

export interface RestartableRedis {
  readonly url: string;
  readonly port: number;
  /** SIGKILL: no shutdown save, connections cut. */
  kill(): Promise<void>;
  /** Starts again on the same port; `keepData` replays the append-only file. */
  start(options?: { keepData?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const binary = requireBinary('redis-server', 'apt-get install -y redis-server (Debian/Ubuntu), or put redis-server on PATH');
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-redis-faults-'));
  const host = '127.0.0.1';
  const port = await freePort(host);
  let server: RunningProcess | undefined;
  let generation = 0;

  const start = async (options: { keepData?: boolean } = {}): Promise<void> => {
    // A fresh folder for an empty restart; the same one (and its append-only file) to keep the data.
    if (options.keepData !== true) generation += 1;
    const dataDirectory = join(directory, `data-${generation}`);
    await mkdir(dataDirectory, { recursive: true });
    server = startProcess(binary, [
      '--port', String(port), '--bind', host, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--dir', dataDirectory,
    ], { cwd: dataDirectory });
    await waitUntil('redis-server', () => ping(host, port), { process: server, timeoutMs: 10_000 });
  };

  const kill = async (): Promise<void> => {
    const running = server;
    if (running === undefined || running.exited()) return;
    const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
    running.child.kill('SIGKILL');
    await exited;
  };

  await start();
  return {
    url: `redis://${host}:${port}`,
    port,
    kill,
    start,
    stop: async () => {
      await kill();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
