/**
 * A real `redis-server` for integration tests: a free port, no persistence (`--save ''`,
 * `--appendonly no`), a private temp directory, ready when it answers PING. Never a Redis mock.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { requireBinary, startProcess, waitUntil } from './process.ts';

export interface RedisServer {
  host: string;
  port: number;
  /** `redis://127.0.0.1:<port>` for ioredis / BullMQ. */
  url: string;
  stop(): Promise<void>;
}

export async function startRedis(options: { startTimeoutMs?: number } = {}): Promise<RedisServer> {
  const redisServer = requireBinary('redis-server', 'apt-get install -y redis-server (Debian/Ubuntu), or put redis-server on PATH');
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-redis-'));
  const host = '127.0.0.1';
  const port = await freePort(host);
  const server = startProcess(redisServer, [
    '--port', String(port), '--bind', host, '--save', '', '--appendonly', 'no', '--dir', directory,
  ], { cwd: directory });
  const stop = async (): Promise<void> => {
    await server.stop();
    await rm(directory, { recursive: true, force: true });
  };
  try {
    await waitUntil('redis-server', () => ping(host, port), { process: server, timeoutMs: options.startTimeoutMs ?? 10_000 });
  } catch (error) {
    await stop();
    throw error;
  }
  return { host, port, url: `redis://${host}:${port}`, stop };
}

/** True when the server at host:port answers `PING` with `+PONG`. */
export function ping(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let answer = '';
    const finish = (ready: boolean): void => {
      socket.destroy();
      resolve(ready);
    };
    socket.setTimeout(timeoutMs, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
      if (answer.includes('\r\n')) finish(answer.startsWith('+PONG'));
    });
  });
}
