/**
 * A leader cut off from Redis (a network partition, through a TCP proxy the test cuts) steps down
 * before its lease expires, and the standby that still reaches Redis takes over: the two never lead
 * at the same time. Real redis-server, two ControllerService instances in this process.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerService } from '../../src/adapters/bullmq/controller-service.ts';
import { KubernetesCluster } from '../../src/adapters/kubernetes/kubernetes-cluster.ts';
import { loadKubeConfig } from '../../src/adapters/kubernetes/kubeconfig.ts';
import { inventoryObjects } from '../../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../../src/kube-api/kube-api.ts';
import { systemClock } from '../../src/kube-api/system-clock.ts';
import { syntheticShift } from '../unit/adapters/bullmq/synthetic-shift.ts';
import { startRedis, type RedisServer } from './helpers/redis.ts';

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

/** A TCP proxy to Redis that can be cut (every connection dropped, new ones refused). */
async function cuttableProxy(targetPort: number): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((client) => {
    if (!open) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `redis://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
    },
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

describe('leader lease under a partition', () => {
  it('the cut-off leader steps down before the standby takes over; they never lead together', async () => {
    const nowMs = Date.now();
    const shift = syntheticShift({ onlineCount: 1, offlineCount: 1, nowMs, peakAtMs: nowMs + 600_000, planId: 'plan-partition' });
    const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory) });
    const directory = await mkdtemp(join(tmpdir(), 'chuanliu-partition-'));
    const kubeconfigPath = join(directory, 'kubeconfig');
    await kube.writeKubeconfig(kubeconfigPath);
    const cluster = new KubernetesCluster({
      kubeConfig: loadKubeConfig({ kind: 'file', path: kubeconfigPath }), clock: systemClock,
      workloads: [...shift.inventory.online, ...shift.inventory.offline].map((workload) => workload.ref), managedSelector: false,
    });
    const proxy = await cuttableProxy(redis.port);
    const prefix = `t-${randomUUID().slice(0, 8)}`;
    const serviceVia = (redisUrl: string, holder: string): ControllerService => new ControllerService({
      redisUrl, redisPrefix: prefix, cluster, inventory: shift.inventory, clock: systemClock, holder, leaseTtlMs: 1_500,
      planSource: { kind: 'fixed', plan: shift.plan },
    });
    const partitioned = serviceVia(proxy.url, 'partitioned');
    const standby = serviceVia(redis.url, 'standby');
    const bothLeading: number[] = [];
    const watch = setInterval(() => {
      if (partitioned.currentRole === 'leader' && standby.currentRole === 'leader') bothLeading.push(Date.now());
    }, 10);
    try {
      await partitioned.start();
      expect(partitioned.currentRole).toBe('leader');
      await standby.start();
      expect(standby.currentRole).toBe('standby');

      proxy.cut();
      const deadline = Date.now() + 10_000;
      while (standby.currentRole !== 'leader' && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(standby.currentRole).toBe('leader');
      expect(partitioned.currentRole).not.toBe('leader');
      expect(bothLeading).toEqual([]);
    } finally {
      clearInterval(watch);
      await standby.stop();
      await proxy.close();
      // The partitioned replica's connections are gone for good: stopping it must not hang the test.
      await Promise.race([partitioned.stop(), new Promise((resolve) => setTimeout(resolve, 3_000))]);
      cluster.close();
      await kube.close();
      await rm(directory, { recursive: true, force: true });
    }
  });
});
