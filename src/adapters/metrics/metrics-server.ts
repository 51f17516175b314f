/**
 * The controller's HTTP endpoints: `/metrics` (Prometheus text), `/healthz` (the process answers)
 * and `/readyz` (its dependencies answer). Only GET and HEAD; answers carry no configuration, URL
 * or credential, only metric values and one-word reasons.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  readonly ready: boolean;
  /** Short reason shown on 503, e.g. `redis unreachable`; never a URL or secret. */
  readonly reason?: string;
}

export interface MetricsServerOptions {
  readonly registry: Registry;
  readonly readiness: () => Promise<ReadinessCheck>;
  /** 0 picks a free port. */
  readonly port: number;
  /** @defaultValue `0.0.0.0` (scraped by Prometheus in the cluster) */
  readonly host?: string;
}

export interface RunningMetricsServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<RunningMetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    const answer = (status: number, contentType: string, body: string): void => {
      response.writeHead(status, { 'content-type': contentType, 'cache-control': 'no-store' });
      response.end(request.method === 'HEAD' ? undefined : body);
    };
    void (async () => {
      try {
        if (path === '/metrics') answer(200, options.registry.contentType, await options.registry.metrics());
        else if (path === '/healthz') answer(200, 'text/plain', 'ok\n');
        else if (path === '/readyz') {
          const check = await options.readiness().catch(() => ({ ready: false, reason: 'readiness check failed' }));
          answer(check.ready ? 200 : 503, 'text/plain', check.ready ? 'ready\n' : `not ready: ${check.reason ?? 'starting'}\n`);
        } else answer(404, 'text/plain', 'not found\n');
      } catch {
        answer(500, 'text/plain', 'internal error\n');
      }
    })();
  });
  const host = options.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    url: `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`,
    port,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
