/**
 * A grand shift run by the real controller PROCESS (`node bin/chuanliu.js controller`, BullMQ on a
 * real redis-server) against kube-api over HTTP, with faults on a seeded timeline: the controller
 * killed with SIGKILL at random points and started again, Redis killed and restarted (with its data
 * or empty). Invariants are checked from kube-api's side as in run-shift.ts: online never below its
 * floor, never over capacity, no value written twice, the planned levels reached with online Ready.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodePlan } from '../../../src/adapters/plan-file.ts';
import { createRng } from '../../../src/domain/random.ts';
import { inventoryObjects } from '../../../src/kube-api/inventory-objects.ts';
import { startKubeApi } from '../../../src/kube-api/kube-api.ts';
import { systemClock } from '../../../src/kube-api/system-clock.ts';
import { freePort } from '../../integration/helpers/free-port.ts';
import { startProcess, type RunningProcess } from '../../integration/helpers/process.ts';
import { grandShift, shiftConfigYaml, type GrandShift } from './grand-shift.ts';
import { startRestartableRedis } from './restartable-redis.ts';
import { doubleWrites, levelsNow, notSettled, ShiftInvariants, valueWrites } from './shift-invariants.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

export interface ControllerFaultOptions {
  readonly seed: number;
  /** @defaultValue 60 */
  readonly workloads?: number;
  /** SIGKILLs of the controller, each at a seeded random time after its start. @defaultValue 0 */
  readonly kills?: number;
  /** Redis killed at a seeded random time, down for a seeded 0.5–3 s, then restarted. */
  readonly redisRestart?: 'keep-data' | 'empty';
  /** @defaultValue 8 s */
  readonly peakDelayMs?: number;
  /** @defaultValue 90 s */
  readonly timeoutMs?: number;
}

export interface ControllerFaultReport {
  readonly seed: number;
  readonly workloads: number;
  readonly completed: boolean;
  readonly violations: readonly string[];
  /** What happened when, ms after the first controller was started. */
  readonly timeline: readonly string[];
  readonly controllersStarted: number;
  readonly valueWrites: number;
  readonly completedVsPeakMs: number;
  readonly wallMs: number;
  readonly unsettled: readonly string[];
  /** Last lines the controllers printed (for a failure report). */
  readonly output: string;
}

export async function runControllerUnderFaults(options: ControllerFaultOptions): Promise<ControllerFaultReport> {
  const startedMs = performance.now();
  const rng = createRng(options.seed);
  const uniform = (fromMs: number, toMs: number): number => Math.round(fromMs + rng() * (toMs - fromMs));
  const directory = await mkdtemp(join(tmpdir(), 'chuanliu-controller-faults-'));
  const nowMs = systemClock.nowMs();
  const peakDelayMs = options.peakDelayMs ?? 8_000;
  const shift: GrandShift = grandShift({ workloads: options.workloads ?? 60, nowMs, peakAtMs: nowMs + peakDelayMs, planId: `plan-kill-${options.seed}` });
  const redis = await startRestartableRedis();
  const kube = await startKubeApi({ clock: systemClock, objects: inventoryObjects(shift.inventory), seed: options.seed });
  await kube.bridge.idle();
  const invariants = new ShiftInvariants({ store: kube.store, inventory: shift.inventory, capacityCpuMillicores: shift.capacityCpuMillicores });
  // Slow writes a little so a kill can land inside a phase rather than only between them.
  kube.faults.setRules([{ name: 'slow writes', match: { verbs: ['patch'] }, latencyMs: 25 }], options.seed);
  const firstSeq = kube.requestLog.lastSeq;
  const configPath = join(directory, 'config.yaml');
  const planPath = join(directory, 'plan.json');
  const kubeconfigPath = join(directory, 'kubeconfig');
  await writeFile(configPath, shiftConfigYaml(shift));
  await writeFile(planPath, encodePlan(shift.plan, 2));
  await kube.writeKubeconfig(kubeconfigPath);

  const timeline: string[] = [];
  const processes: RunningProcess[] = [];
  const t0 = performance.now();
  const note = (what: string): void => {
    timeline.push(`${Math.round(performance.now() - t0)} ms: ${what}`);
  };
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const writesSoFar = (): number => valueWrites(kube.requestLog.list({ sinceSeq: firstSeq })).filter((write) => write.status >= 200 && write.status < 300).length;

  const spawnController = async (): Promise<RunningProcess> => {
    const port = await freePort();
    const child = startProcess(process.execPath, [
      'bin/chuanliu.js', 'controller', '--config', configPath, '--plan', planPath, '--redis', redis.url, '--kubeconfig', kubeconfigPath,
      '--metrics-port', String(port), '--metrics-host', '127.0.0.1', '--lease-ttl', '2s', '--job-lock', '3s',
      '--holder', `controller-${processes.length + 1}`, '--max-concurrent-writes', '4', '--log-level', process.env['CHUANLIU_FAULT_LOG'] ?? 'warn',
    ], { cwd: root });
    processes.push(child);
    note(`controller-${processes.length} started`);
    return child;
  };

  const redisFault = (async () => {
    if (options.redisRestart === undefined) return;
    await sleep(uniform(1_000, peakDelayMs + 2_000));
    await redis.kill();
    note('redis-server killed');
    await sleep(uniform(500, 3_000));
    await redis.start({ keepData: options.redisRestart === 'keep-data' });
    note(`redis-server restarted ${options.redisRestart === 'keep-data' ? 'with its data' : 'empty'}`);
  })();

  let completed = false;
  let completedAtMs = Number.NaN;
  const deadline = performance.now() + (options.timeoutMs ?? 90_000);
  try {
    let controller = await spawnController();
    for (let kill = 0; kill < (options.kills ?? 0); kill += 1) {
      await sleep(uniform(300, peakDelayMs + 3_000));
      const exited = new Promise<void>((resolve) => controller.child.once('exit', () => resolve()));
      if (!controller.exited()) controller.child.kill('SIGKILL');
      await exited;
      note(`controller-${processes.length} SIGKILLed after ${writesSoFar()} value writes`);
      controller = await spawnController();
    }
    await redisFault;
    while (performance.now() < deadline) {
      const levels = levelsNow(kube.store, shift.inventory);
      if (systemClock.nowMs() >= shift.peakAtMs && [...shift.peakLevels].every(([name, wanted]) => levels.get(name) === wanted) && notSettled(kube.store, shift.inventory).length === 0) {
        completed = true;
        completedAtMs = systemClock.nowMs();
        note('shift complete');
        break;
      }
      if (controller.exited()) {
        note(`controller-${processes.length} exited on its own; starting another`);
        controller = await spawnController();
      }
      await sleep(100);
    }
    // A killed leader's stalled jobs come back after --job-lock: they must change nothing.
    if (completed) await sleep(4_000);

    const writes = valueWrites(kube.requestLog.list({ sinceSeq: firstSeq }));
    const violations = [...invariants.violations, ...doubleWrites(writes)];
    const levels = levelsNow(kube.store, shift.inventory);
    for (const [name, wanted] of shift.peakLevels) {
      if (levels.get(name) !== wanted) violations.push(`${name} ends at ${levels.get(name)}, planned ${wanted}`);
    }
    return {
      seed: options.seed,
      workloads: options.workloads ?? 60,
      completed,
      violations,
      timeline,
      controllersStarted: processes.length,
      valueWrites: writes.filter((write) => write.status >= 200 && write.status < 300).length,
      completedVsPeakMs: completedAtMs - shift.peakAtMs,
      wallMs: Math.round(performance.now() - startedMs),
      unsettled: completed ? [] : notSettled(kube.store, shift.inventory).slice(0, 10),
      output: processes.map((child, index) => `--- controller-${index + 1}\n${child.output().slice(-(Number(process.env['CHUANLIU_FAULT_OUTPUT_CHARS'] ?? 1_500)))}`).join('\n'),
    };
  } finally {
    await redisFault.catch(() => undefined);
    invariants.stop();
    await Promise.all(processes.map((child) => child.stop()));
    await kube.close();
    await redis.stop();
    await rm(directory, { recursive: true, force: true });
  }
}
