/**
 * An HTTP proxy in front of kube-api that loses answers: for a seeded share of the writes it passes
 * the request on, lets the API server apply it, and then closes the client's connection without
 * the answer. kube-api's own `dropRate` drops a request *before* it is handled; this is the other,
 * nastier half of a dropped connection — the client cannot tell whether its write happened, so a
 * naive retry would apply it twice.
 */
import { Agent, createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRng, type Rng } from '../../../src/domain/random.ts';

export interface LossyProxyOptions {
  /** kube-api's base URL, e.g. `http://127.0.0.1:34567`. */
  readonly targetUrl: string;
  /** Probability in [0, 1] that a write's answer is lost after the server applied it. */
  readonly loseAnswerRate: number;
  readonly seed: number;
  /** Decides instead of the rate, per request (deterministic regression tests). */
  readonly loseAnswer?: (request: { readonly method: string; readonly path: string }) => boolean;
}

export interface LossyProxy {
  readonly url: string;
  /** Writes whose answers were lost so far. */
  lostAnswers(): number;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export async function startLossyProxy(options: LossyProxyOptions): Promise<LossyProxy> {
  const target = new URL(options.targetUrl);
  const upstreamAgent = new Agent({ keepAlive: true, maxSockets: 256 });
  const rng: Rng = createRng(options.seed);
  let lost = 0;

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse): void => {
    const method = incoming.method ?? 'GET';
    const loseAnswer = options.loseAnswer !== undefined
      ? options.loseAnswer({ method, path: incoming.url ?? '/' })
      : WRITE_METHODS.has(method) && rng() < options.loseAnswerRate;
    const upstream = httpRequest({
      host: target.hostname,
      port: target.port,
      method: incoming.method,
      path: incoming.url,
      headers: { ...incoming.headers, host: target.host },
      agent: upstreamAgent,
    }, (answer) => {
      if (loseAnswer) {
        // Let the server finish (the write is applied), then hang up on the client.
        answer.resume();
        answer.on('end', () => {
          lost += 1;
          incoming.socket.destroy();
        });
        return;
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstream.on('error', () => incoming.socket.destroy());
    incoming.pipe(upstream);
  };

  const server: Server = createServer(forward);
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    lostAnswers: () => lost,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      upstreamAgent.destroy();
    },
  };
}
