/**
 * A TCP port nobody listens on right now, chosen by the kernel. Tests start real servers
 * (redis-server, prometheus, the Kubernetes API double) on such ports so runs never collide.
 */
import { createServer } from 'node:net';

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : undefined;
      server.close((error) => {
        if (error) reject(error);
        else if (port === undefined) reject(new Error('the kernel gave no port'));
        else resolve(port);
      });
    });
  });
}
