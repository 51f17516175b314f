/**
 * Shutdown like a pod should: Kubernetes sends SIGTERM and kills the container 30 s later
 * (terminationGracePeriodSeconds), so every long-running chuanliu process must be gone within a few
 * seconds of SIGTERM, with its lease released and its jobs handed back. Each case keeps something
 * open that used to keep the process alive: a kubectl-style watch and pods still starting (kube-api
 * lingered 25–55 s after printing "kube-api stopped"), a leader with its metrics server scraped.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShiftHarness, waitFor } from './controller-harness.ts';

/** A process must be gone this soon after SIGTERM: well inside Kubernetes' 30 s grace. */
const SHUTDOWN_BOUND_MS = 10_000;

let directory: string;
beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-shutdown-'));
});
afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

function timeToExit(child: ReturnType<typeof spawn>): Promise<{ code: number | null; ms: number }> {
  const sentAt = performance.now();
  return new Promise((resolve) => {
    child.once('exit', (code) => resolve({ code, ms: performance.now() - sentAt }));
    child.kill('SIGTERM');
  });
}

describe('shutdown on SIGTERM', () => {
  it('chuanliu kube-api exits within seconds with a watch open and pods still starting', async () => {
    const kubeconfig = join(directory, 'kubeconfig');
    const child = spawn(process.execPath, [
      'bin/chuanliu.js', 'kube-api', '--config', 'sim/config.double11.yaml', '--pod-startup', '50s', '--kubeconfig', kubeconfig,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`kube-api did not start:\n${stderr}`)), 30_000);
      child.stderr.on('data', () => {
        const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
        if (match?.[1] !== undefined) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
    });
    // A watch held open, as kubectl get -w or an informer would.
    const watch = request(`${url}/apis/apps/v1/deployments?watch=true`);
    watch.on('error', () => undefined);
    watch.on('response', (response) => response.resume());
    watch.end();
    await new Promise((resolve) => setTimeout(resolve, 500));

    const { code, ms } = await timeToExit(child);
    watch.destroy();
    expect(code).toBe(0);
    expect(stderr).toContain('kube-api stopped');
    expect(ms, `exited ${(ms / 1000).toFixed(1)} s after SIGTERM`).toBeLessThan(SHUTDOWN_BOUND_MS);
  });

  it('chuanliu controller exits within seconds, lease released, while leading and scraped', async () => {
    const harness = await startShiftHarness({ onlineCount: 3, offlineCount: 2, peakInMs: 60_000, slotMs: 1_000, startupMs: 20_000, drainMs: 1_000, applyLatencyMs: 1_500 });
    try {
      const { process: controller, metricsUrl } = await harness.startController({ holder: 'shutdown' });
      await waitFor('/readyz', async () => (await fetch(`${metricsUrl}/readyz`).catch(() => undefined))?.status === 200, { process: controller });
      await waitFor('leader', async () => /^chuanliu_controller_leader 1$/m.test(await (await fetch(`${metricsUrl}/metrics`)).text()), { process: controller });
      const { code, ms } = await timeToExit(controller.child);
      expect(code).toBe(0);
      expect(ms, `exited ${(ms / 1000).toFixed(1)} s after SIGTERM:\n${controller.output()}`).toBeLessThan(SHUTDOWN_BOUND_MS);
      const redis = new Redis(harness.redis.url);
      try {
        expect(await redis.get('chuanliu:leader')).toBeNull();
      } finally {
        redis.disconnect();
      }
    } finally {
      await harness.close();
    }
  });
});
