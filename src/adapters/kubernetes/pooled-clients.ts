/**
 * client-node API clients that reuse connections.
 *
 * `KubeConfig.makeApiClient` gives every request a fresh http(s).Agent, so each request opens a new
 * TCP connection (and, against a real API server, a new TLS handshake): a 1,000-workload shift
 * would open thousands. Here the kubeconfig still authenticates every request (tokens from exec
 * plugins and token files may rotate), but the agent is replaced by one keep-alive agent built with
 * the same TLS options, shared by every client made from the same factory.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { ServerConfiguration, createConfiguration, type KubeConfig, type RequestContext, type SecurityAuthentication } from '@kubernetes/client-node';

class PooledAuthentication implements SecurityAuthentication {
  private agent: HttpAgent | HttpsAgent | undefined;

  constructor(
    private readonly config: KubeConfig,
    private readonly maxSockets: number,
  ) {}

  getName(): string {
    return 'kubeconfig authentication with a keep-alive agent';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.config.applySecurityAuthentication(context);
    const fresh = context.getAgent();
    if (!fresh) return;
    if (!this.agent) {
      const options = { ...(fresh as HttpAgent & { options?: object }).options, keepAlive: true, maxSockets: this.maxSockets };
      this.agent = fresh instanceof HttpsAgent ? new HttpsAgent(options) : new HttpAgent(options);
    }
    fresh.destroy();
    context.setAgent(this.agent);
  }

  close(): void {
    this.agent?.destroy();
  }
}

export interface PooledClientFactory {
  make<T>(apiClientType: new (configuration: ReturnType<typeof createConfiguration>) => T): T;
  /** Closes the idle keep-alive connections. */
  close(): void;
}

export function pooledClientFactory(config: KubeConfig, maxSockets: number): PooledClientFactory {
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const authentication = new PooledAuthentication(config, maxSockets);
  const configuration = createConfiguration({ baseServer: new ServerConfiguration(cluster.server, {}), authMethods: { default: authentication } });
  return {
    make: (apiClientType) => new apiClientType(configuration),
    close: () => authentication.close(),
  };
}
