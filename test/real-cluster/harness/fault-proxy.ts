/**
 * A fault-injecting HTTPS proxy on loopback in front of the real kube-apiserver, so the fault classes
 * of RELIABILITY.md run against the real API: the same seeded rules as kube-api's (src/kube-api/
 * faults.ts: latency, 409, 429 with Retry-After, 500 bursts, dropped connections) decided per
 * request from its verb and resource, plus answers lost after the real server applied the write.
 *
 * It terminates TLS with kube-apiserver's own serving certificate (signed by the cluster CA, so
 * clients verify it unchanged) and forwards to the real server over TLS with the client's own
 * headers: a bearer token passes through, so RBAC still judges the ServiceAccount.
 */
import { createServer, request, type Agent as HttpsAgentType } from 'node:https';
import { Agent } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createRng } from '../../../src/domain/random.ts';
import { FaultInjector, type FaultRule, type InjectedFailure } from '../../../src/kube-api/faults.ts';
import { route } from '../../../src/kube-api/router.ts';
import type { RealCluster } from './real-cluster.ts';

export interface FaultProxy {
  /** https://127.0.0.1:<port>: put it in a kubeconfig instead of the API server's URL. */
  readonly url: string;
  setRules(rules: readonly FaultRule[], seed?: number): void;
  /** Also lose this share of write answers after the server applied the write. */
  setLoseAnswerRate(rate: number): void;
  /**
   * Runs (and is awaited) between a PATCH reaching the proxy and the proxy forwarding it: another
   * writer acting exactly inside the client's read→write window, so a real 409 is certain.
   */
  setBeforePatch(hook: ((path: string) => Promise<void>) | undefined): void;
  /** Failures injected so far, by kind (`conflict`, `throttle`, `error`, `drop`, `lost-answer`). */
  injected(): Record<string, number>;
  /** Requests forwarded or failed so far. */
  requests(): number;
  close(): Promise<void>;
}

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function statusBody(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code });
}

export async function startFaultProxy(cluster: RealCluster, options: { seed: number }): Promise<FaultProxy> {
  const [cert, key, ca] = await Promise.all([
    readFile(join(cluster.directory, 'apiserver.crt')), readFile(join(cluster.directory, 'apiserver.key')), readFile(cluster.caCertPath),
  ]);
  const upstream = new URL(cluster.apiUrl);
  const agent: HttpsAgentType = new Agent({ keepAlive: true, maxSockets: 256, ca });
  const faults = new FaultInjector();
  let rng = createRng(options.seed);
  let loseAnswerRate = 0;
  let beforePatch: ((path: string) => Promise<void>) | undefined;
  let requests = 0;
  const injected: Record<string, number> = {};
  const count = (kind: InjectedFailure | 'lost-answer'): void => {
    injected[kind] = (injected[kind] ?? 0) + 1;
  };

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse, loseAnswer: boolean): void => {
    const upstreamRequest = request({
      host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url,
      headers: { ...incoming.headers, host: upstream.host }, agent,
    }, (answer) => {
      if (loseAnswer) {
        // The real server has applied the write; the client never hears of it.
        answer.resume();
        answer.on('end', () => {
          count('lost-answer');
          incoming.socket.destroy();
        });
        return;
      }
      outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(outgoing);
    });
    upstreamRequest.on('error', () => incoming.socket.destroy());
    incoming.pipe(upstreamRequest);
  };

  const server = createServer({ cert, key }, (incoming, outgoing) => {
    requests += 1;
    const url = new URL(incoming.url ?? '/', 'https://127.0.0.1');
    const method = incoming.method ?? 'GET';
    const routed = route(method, url.pathname, url.searchParams);
    const decision = routed.kind === 'resource'
      ? faults.decide({
        verb: routed.verb,
        resource: routed.subresource ? `${routed.type.plural}/${routed.subresource}` : routed.type.plural,
        ...(routed.namespace !== undefined ? { namespace: routed.namespace } : {}),
        ...(routed.name !== undefined ? { name: routed.name } : {}),
      })
      : { latencyMs: 0 };
    const act = (): void => {
      switch (decision.failure) {
        case undefined: {
          const loseAnswer = WRITE_METHODS.has(method) && loseAnswerRate > 0 && rng() < loseAnswerRate;
          if (method === 'PATCH' && beforePatch !== undefined) {
            beforePatch(url.pathname).then(() => forward(incoming, outgoing, loseAnswer), () => forward(incoming, outgoing, loseAnswer));
          } else {
            forward(incoming, outgoing, loseAnswer);
          }
          return;
        }
        case 'drop':
          count('drop');
          incoming.socket.destroy();
          return;
        case 'error':
          count('error');
          outgoing.writeHead(500, { 'content-type': 'application/json' }).end(statusBody(500, 'InternalError', 'injected fault (chuanliu fault proxy)'));
          return;
        case 'throttle': {
          count('throttle');
          const seconds = decision.retryAfterSeconds ?? 1;
          outgoing.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(seconds) })
            .end(statusBody(429, 'TooManyRequests', 'injected throttle (chuanliu fault proxy)'));
          return;
        }
        case 'conflict':
          count('conflict');
          outgoing.writeHead(409, { 'content-type': 'application/json' })
            .end(statusBody(409, 'Conflict', 'Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again (injected)'));
          return;
      }
    };
    if (decision.latencyMs > 0) setTimeout(act, decision.latencyMs);
    else act();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    setRules(rules, seed) {
      faults.setRules(rules, seed ?? options.seed);
      if (seed !== undefined) rng = createRng(seed);
    },
    setLoseAnswerRate(rate) {
      loseAnswerRate = rate;
    },
    setBeforePatch(hook) {
      beforePatch = hook;
    },
    injected: () => ({ ...injected }),
    requests: () => requests,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      agent.destroy();
    },
  };
}
