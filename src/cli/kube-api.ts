/**
 * `chuanliu kube-api`: serves a simulated cluster as a Kubernetes API on 127.0.0.1, so kubectl and
 * the controller can be pointed at it. The cluster comes from a scenario's or config's inventory
 * and/or a file of Kubernetes objects, run by kube-api's emulation; or, with `--engine simulation`,
 * it is the simulator's cluster replaying the scenario's traffic. Prints `export KUBECONFIG=…` on stdout, logs on stderr,
 * and runs until SIGINT/SIGTERM.
 */
import { appendFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { loadConfigFile } from '../config/load-config.ts';
import { InputError } from '../domain/errors.ts';
import { SimulatedCluster } from '../adapters/memory/simulated-cluster.ts';
import type { Clock } from '../ports/clock.ts';
import type { ClusterBridge } from '../kube-api/bridge.ts';
import { SimulationBridge } from '../kube-api/simulation-bridge.ts';
import type { Scenario } from '../simulator/scenario.ts';
import { parseDurationMs } from '../domain/units.ts';
import { FaultInjector, type FaultRule } from '../kube-api/faults.ts';
import { inventoryObjects } from '../kube-api/inventory-objects.ts';
import { startKubeApi } from '../kube-api/kube-api.ts';
import { readObjectsFile, type LocatedObject } from '../kube-api/objects-file.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import type { KubeObject } from '../kube-api/store.ts';
import { loadScenarioFile } from '../simulator/load-scenario.ts';
import { builtinStrategies } from '../simulator/strategies/index.ts';

interface KubeApiFlags {
  scenario?: string;
  engine: string;
  speed: string;
  config?: string;
  objects: string[];
  port: string;
  kubeconfig?: string;
  podStartup: string;
  faults?: string;
  seed: string;
  requestLog?: string;
}

export function registerKubeApiCommand(program: Command): void {
  program
    .command('kube-api')
    .description('Serve a simulated cluster as a Kubernetes API on 127.0.0.1 for kubectl and the controller')
    .option('--scenario <yaml>', 'build the cluster from a scenario\'s inventory (sim/*.yaml)')
    .option('--engine <engine>', 'with --scenario: `emulation` (pods Ready after a startup delay, HPAs hold their bounds) or `simulation` (the simulator\'s cluster replaying the scenario\'s traffic from its start time: HPA on load, cluster autoscaler)', 'emulation')
    .option('--speed <factor>', 'with --engine simulation: scenario seconds per wall-clock second', '1')
    .option('--config <yaml>', 'build the cluster from a chuanliu config\'s inventory')
    .option('--objects <yaml>', 'Kubernetes objects to create (multi-document YAML; repeatable)', (value: string, previous: string[]) => [...previous, value], [] as string[])
    .option('--port <n>', 'port on 127.0.0.1 (0 = any free port)', '0')
    .option('--kubeconfig <path>', 'where to write the kubeconfig (default: a file in the temp folder)')
    .option('--pod-startup <duration>', 'time from a pod being scheduled to Ready, unless the pod says otherwise', '0s')
    .option('--faults <yaml>', 'fault injection rules: { rules: [{ match, latencyMs, errorRate, throttleRate, retryAfterSeconds, conflictRate, dropRate, maxFailures }] }')
    .option('--seed <n>', 'seed of the fault injector', '1')
    .option('--request-log <jsonl>', 'append every request to this file as JSON lines')
    .action(async (flags: KubeApiFlags) => {
      const port = parsePort(flags.port);
      const podStartupMs = parseDurationMs(flags.podStartup, { source: '--pod-startup' });
      const seed = parseSeed(flags.seed);
      const faultRules = flags.faults ? await readFaults(flags.faults) : [];
      const engine = parseEngine(flags.engine);
      const speed = parseSpeed(flags.speed);
      if (engine === 'simulation' && !flags.scenario) throw new InputError('--engine simulation needs --scenario', { source: '--engine' });
      const objects: (KubeObject | LocatedObject)[] = [];
      let clock: Clock = systemClock;
      let bridge: ClusterBridge | undefined;
      if (flags.scenario) {
        const scenario = await loadScenarioFile(flags.scenario, { registry: builtinStrategies() });
        if (engine === 'simulation') {
          clock = scenarioClock(scenario.startMs, speed);
          bridge = simulationBridgeFor(scenario, clock);
        } else {
          objects.push(...inventoryObjects({ nodePools: scenario.nodePools, online: scenario.online, offline: scenario.offline }));
        }
      }
      if (flags.config) objects.push(...inventoryObjects((await loadConfigFile(flags.config)).inventory));
      for (const path of flags.objects) objects.push(...(await readObjectsFile(path)));

      const kube = await startKubeApi({ clock, port, objects, podStartupMs, faultRules, seed, ...(bridge ? { bridge } : {}) });
      if (flags.requestLog) {
        const path = flags.requestLog;
        kube.requestLog.onEntry((entry) => appendFileSync(path, `${JSON.stringify(entry)}\n`));
      }
      const kubeconfigPath = resolve(flags.kubeconfig ?? join(tmpdir(), `chuanliu-kube-api-${new URL(kube.url).port}.kubeconfig`));
      await kube.writeKubeconfig(kubeconfigPath);
      process.stderr.write(`kube-api listening on ${kube.url} (${objects.length} objects seeded; request log at ${kube.url}/_chuanliu/requests)\n`);
      process.stdout.write(`export KUBECONFIG=${kubeconfigPath}\n`);

      await new Promise<void>((resolveStop) => {
        const stop = (): void => resolveStop();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await kube.close();
      process.stderr.write('kube-api stopped\n');
    });
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65_535) throw new InputError(`"${text}" is not a port; expected 0…65535`, { source: '--port' });
  return port;
}

function parseSeed(text: string): number {
  const seed = Number(text);
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(seed)) throw new InputError(`"${text}" is not an integer seed`, { source: '--seed' });
  return seed;
}

const ENGINES = ['emulation', 'simulation'] as const;

function parseEngine(text: string): (typeof ENGINES)[number] {
  if ((ENGINES as readonly string[]).includes(text)) return text as (typeof ENGINES)[number];
  throw new InputError(`"${text}" is not one of ${ENGINES.join(', ')}`, { source: '--engine' });
}

function parseSpeed(text: string): number {
  const speed = Number(text);
  if (!(Number.isFinite(speed) && speed > 0 && speed <= 1000)) throw new InputError(`"${text}" is not a speed factor in (0, 1000]`, { source: '--speed' });
  return speed;
}

/** Scenario time running at `speed` × wall time from the scenario's start. */
function scenarioClock(startMs: number, speed: number): Clock {
  const wallStartMs = Date.now();
  return {
    nowMs: () => startMs + (Date.now() - wallStartMs) * speed,
    sleep: (durationMs) => new Promise((resolveSleep) => setTimeout(resolveSleep, Math.max(0, durationMs / speed))),
  };
}

/**
 * The simulator's cluster for a scenario: online workloads start at minReplicas with a CPU HPA when
 * they name one, offline work at full parallelism; the scenario's traffic is the offered demand.
 */
function simulationBridgeFor(scenario: Scenario, clock: Clock): ClusterBridge {
  const simulation = new SimulatedCluster({
    startMs: scenario.startMs,
    tickMs: scenario.tickMs,
    seed: scenario.seed,
    nodePools: scenario.nodePools,
    workloads: scenario.workloads.map((workload, index) => {
      const queue = scenario.queues[index];
      return { workload, initialReplicas: workload.class === 'online' ? workload.minReplicas : workload.maxReplicas, ...(queue ? { queue } : {}) };
    }),
    hpas: scenario.online.flatMap((workload) =>
      workload.hpaName ? [{ name: workload.hpaName, workload: workload.name, minReplicas: Math.max(1, workload.minReplicas), maxReplicas: workload.maxReplicas, metric: { kind: 'cpu' as const, targetUtilizationPercent: 70 } }] : [],
    ),
    ...(scenario.metricsPipeline ? { metricsPipeline: scenario.metricsPipeline } : {}),
    ...(scenario.autoscaler ? { autoscaler: scenario.autoscaler } : {}),
  });
  const lastTick = Math.max(0, Math.ceil((scenario.endMs - scenario.startMs) / scenario.tickMs) - 1);
  return new SimulationBridge({
    simulation,
    clock,
    demandAt: (atMs, into) => scenario.traffic.fill(Math.min(lastTick, Math.max(0, Math.floor((atMs - scenario.startMs) / scenario.tickMs))), into),
  });
}

async function readFaults(path: string): Promise<FaultRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`cannot read: ${(error as Error).message}`, { source: path });
  }
  let document: unknown;
  try {
    document = parse(text);
  } catch (error) {
    throw new InputError(`invalid YAML: ${(error as Error).message}`, { source: path });
  }
  const rules = (document as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(rules)) throw new InputError('expected a mapping with a `rules:` list', { source: path, field: 'rules' });
  try {
    new FaultInjector({ rules: rules as FaultRule[] });
  } catch (error) {
    throw new InputError((error as Error).message.replace(/^fault rule /, ''), { source: path, field: 'rules' });
  }
  return rules as FaultRule[];
}
