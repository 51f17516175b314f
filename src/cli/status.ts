/**
 * `chuanliu status`: the plan against the live cluster. Per workload: what the plan asks for now,
 * what the cluster has (spec, Ready, HPA floor), the drift between them and the workload's next
 * step; then the next steps of the plan. The plan comes from `--plan` or from the controller's
 * Redis (which also tells who holds the leader lease and when the cycles last ran). With
 * `--prometheus-url`, each online workload's demand data is checked as the controller checks it:
 * a workload whose metrics are missing or stale is shown as held (the controller will not scale
 * it down until fresh data returns).
 */
import type { Command } from 'commander';
import { closeRedis, createRedis } from '../adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../adapters/bullmq/redis-keys.ts';
import { RedisStateStore, type ControllerCondition } from '../adapters/bullmq/redis-state.ts';
import { loadConfigFile, type ChuanliuConfig } from '../config/load-config.ts';
import type { DataFreshness } from '../controller/data-freshness.ts';
import { PAUSED_ANNOTATION } from '../controller/decide-writes.ts';
import { levelTargets } from '../controller/level-targets.ts';
import { operatorOverrides } from '../controller/operator-overrides.ts';
import { KubernetesOperatorControls } from '../adapters/kubernetes/operator-controls.ts';
import { loadKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { describePause, type PauseState } from '../ports/operator-controls.ts';
import { controllerNamespace } from './controller-events.ts';
import { InputError, RuntimeFailure } from '../domain/errors.ts';
import type { CapacityPlan, PlanStep } from '../domain/plan.ts';
import { formatDurationMs } from '../domain/units.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import type { ClusterSnapshot } from '../ports/cluster.ts';
import { paint, shouldUseColor } from '../report/ansi.ts';
import { renderTextTable } from '../report/text-table.ts';
import { addClusterOptions, clusterFor, freshnessMonitorFor, kubeconfigSource, parseOutput, parsePositiveInt, readPlanFor, type ClusterFlags } from './controller.ts';

interface StatusFlags extends ClusterFlags {
  plan?: string;
  redis?: string;
  redisPrefix: string;
  steps: string;
  output: string;
  prometheusUrl?: string;
  controllerNamespace?: string;
}

/** An operator's floor as status shows it. */
export interface OverrideStatus {
  readonly workload: string;
  readonly state: 'active' | 'expired' | 'invalid';
  readonly minReplicas?: number;
  readonly until?: string;
  readonly by?: string;
  readonly message?: string;
}

/** The operators' controls: the pause switch (or why it could not be read), overrides, paused workloads. */
export interface OperatorStatus {
  readonly pause: PauseState | { readonly unknown: string };
  readonly overrides: readonly OverrideStatus[];
  /** Workloads annotated chuanliu.io/paused: "true". */
  readonly pausedWorkloads: readonly string[];
}

export interface WorkloadStatus {
  readonly workload: string;
  readonly class: 'online' | 'offline';
  /** What the plan asks for now; undefined before the plan starts for a workload with no due step. */
  readonly planReplicas?: number;
  /** The value chuanliu controls: the HPA's minReplicas for HPA-managed workloads, else spec. */
  readonly controlledReplicas?: number;
  readonly desiredReplicas?: number;
  readonly readyReplicas?: number;
  readonly hpaMinReplicas?: number;
  /** controlled − plan; 0 = in line with the plan. */
  readonly drift?: number;
  readonly missing: boolean;
  /** Pods the scheduler could not place: asked for, not delivered (with the scheduler's message). */
  readonly unschedulable?: { readonly replicas: number; readonly reason: string };
  /** With --prometheus-url, for online workloads whose demand comes from Prometheus. */
  readonly data?: { readonly status: DataFreshness['status']; readonly newestSampleAgeSeconds?: number; readonly held: boolean; readonly message?: string };
  readonly nextStep?: { readonly at: string; readonly inMs: number; readonly fromReplicas: number; readonly toReplicas: number; readonly reason: string; readonly stepId: string };
}

export interface PoolStatus {
  readonly pool: string;
  readonly planNodes?: number;
  /** Most nodes the plan wants from now to the end of the horizon, and when it first wants them. */
  readonly peakNodes?: number;
  readonly peakAt?: string;
  readonly readyNodes?: number;
  readonly provisioningNodes?: number;
  /** Pre-provisioned pools: placeholder pods the plan wants now and the Deployment's spec. */
  readonly planPlaceholders?: number;
  readonly livePlaceholders?: number;
}

export interface StatusReport {
  readonly at: string;
  readonly planId: string;
  readonly planStart: string;
  readonly planEnd: string;
  readonly leader?: string | null;
  readonly lastForecast?: string | null;
  readonly lastPlan?: string | null;
  readonly workloads: readonly WorkloadStatus[];
  /** Per node pool: nodes the plan wants now and over the horizon, what the cluster has, placeholders. */
  readonly pools: readonly PoolStatus[];
  readonly drifted: number;
  /** Online workloads the controller holds because their demand metrics are missing or stale. */
  readonly heldOnData: number;
  /** Workloads with pods the scheduler could not place. */
  readonly undelivered: number;
  readonly operator?: OperatorStatus;
  readonly nextSteps: readonly { readonly at: string; readonly inMs: number; readonly workload: string; readonly fromReplicas: number; readonly toReplicas: number; readonly direction: string; readonly reason: string; readonly message: string }[];
}

export function registerStatusCommand(program: Command): void {
  addClusterOptions(program.command('status'))
    .description('Plan vs live cluster: drift per workload and the next steps')
    .option('--plan <json>', 'the plan to compare with (default: the controller\'s plan in Redis)')
    .option('--redis <url>', 'the controller\'s Redis: its plan, leader and cycles')
    .option('--redis-prefix <prefix>', 'prefix of the controller\'s Redis keys', 'chuanliu')
    .option('--steps <n>', 'how many next steps to list', '10')
    .option('-o, --output <format>', 'stdout format: table | json', 'table')
    .option('--prometheus-url <url>', 'also check each workload\'s demand data as the controller does (missing or stale = held)')
    .option('--controller-namespace <ns>', 'where the pause switch lives (configmap/chuanliu-controls; default: POD_NAMESPACE, else chuanliu-system)')
    .action(async (flags: StatusFlags) => {
      const output = parseOutput(flags.output);
      const stepCount = parsePositiveInt(flags.steps, '--steps', 10_000);
      if (flags.plan === undefined && flags.redis === undefined) throw new InputError('give --plan <json> or --redis <url> (the controller\'s plan)', { source: '--plan' });
      const config = await loadConfigFile(flags.config);
      const redis = flags.redis !== undefined ? createRedis(flags.redis, { name: 'chuanliu-status' }) : undefined;
      const cluster = clusterFor(config, flags);
      const freshnessMonitor = flags.prometheusUrl !== undefined ? freshnessMonitorFor(config, flags.prometheusUrl) : undefined;
      try {
        const keys = redisKeys(flags.redisPrefix);
        const state = redis !== undefined ? new RedisStateStore(redis, keys) : undefined;
        const plan = flags.plan !== undefined ? await readPlanFor(flags.plan, config) : await state?.loadPlan();
        if (plan === undefined) throw new RuntimeFailure('the controller has no plan in Redis yet (has it run a planning cycle?)');
        const [snapshot] = await Promise.all([cluster.snapshot(), freshnessMonitor?.refresh()]);
        const pause = await readPauseFor(flags);
        const report = statusReport({
          pause,
          plan, snapshot, config, nowMs: systemClock.nowMs(), stepCount, ...(freshnessMonitor !== undefined ? { freshness: freshnessMonitor.current() } : {}),
        });
        const extra = redis !== undefined && state !== undefined
          ? {
              leader: (await redis.get(keys.leader)) ?? null,
              lastForecast: isoOrNull(await state.lastCycle('forecast')),
              lastPlan: isoOrNull(await state.lastCycle('plan')),
              conditions: await state.loadConditions(),
            }
          : {};
        const full = { ...report, ...extra };
        process.stdout.write(output === 'json' ? `${JSON.stringify(full, undefined, 2)}\n` : `${renderStatus(full, shouldUseColor(process.stdout))}\n`);
      } finally {
        if (redis !== undefined) await closeRedis(redis);
        cluster.close();
      }
    });
}

function isoOrNull(ms: number | undefined): string | null {
  return ms === undefined ? null : new Date(ms).toISOString();
}

/** The pause switch, or why it could not be read (status still shows the rest). */
async function readPauseFor(flags: StatusFlags): Promise<PauseState | { unknown: string }> {
  const controls = new KubernetesOperatorControls({ kubeConfig: loadKubeConfig(kubeconfigSource(flags)), namespace: controllerNamespace(flags.controllerNamespace) });
  try {
    return await controls.read();
  } catch (error) {
    return { unknown: error instanceof Error ? error.message : String(error) };
  } finally {
    controls.close();
  }
}

/** Overrides and paused workloads, from the workloads' annotations as the controller reads them. */
export function operatorStatus(input: { snapshot: ClusterSnapshot; config: ChuanliuConfig; nowMs: number; pause: PauseState | { unknown: string } }): OperatorStatus {
  const found = operatorOverrides({ snapshot: input.snapshot, inventory: input.config.inventory, nowMs: input.nowMs });
  const overrideStatus = (override: (typeof found.active)[number], state: 'active' | 'expired'): OverrideStatus => ({
    workload: override.workload, state, minReplicas: override.minReplicas, until: new Date(override.untilMs).toISOString(), ...(override.by !== undefined ? { by: override.by } : {}),
  });
  const byRef = new Map([...input.config.inventory.online, ...input.config.inventory.offline].map((workload) => [`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`, workload.name] as const));
  return {
    pause: input.pause,
    overrides: [
      ...found.active.map((override) => overrideStatus(override, 'active')),
      ...found.expired.map((override) => overrideStatus(override, 'expired')),
      ...found.invalid.map((invalid): OverrideStatus => ({ workload: invalid.workload, state: 'invalid', message: invalid.message })),
    ],
    pausedWorkloads: input.snapshot.workloads
      .filter((state) => state.annotations[PAUSED_ANNOTATION] === 'true')
      .map((state) => byRef.get(`${state.ref.apiKind}/${state.ref.namespace}/${state.ref.name}`))
      .filter((name): name is string => name !== undefined)
      .sort(),
  };
}

/** Pure: the plan at `nowMs` against a snapshot. */
export function statusReport(input: {
  plan: CapacityPlan; snapshot: ClusterSnapshot; config: ChuanliuConfig; nowMs: number; stepCount: number; freshness?: ReadonlyMap<string, DataFreshness>;
  /** The pause switch as read (absent: not shown). */
  pause?: PauseState | { unknown: string };
}): StatusReport {
  const { plan, snapshot, config, nowMs } = input;
  const targets = levelTargets(plan, nowMs);
  const stateByRef = new Map(snapshot.workloads.map((state) => [`${state.ref.apiKind}/${state.ref.namespace}/${state.ref.name}`, state] as const));
  const upcoming = [...plan.steps].filter((step) => step.effectiveAtMs > nowMs).sort((a, b) => a.effectiveAtMs - b.effectiveAtMs || (a.id < b.id ? -1 : 1));
  const nextByWorkload = new Map<string, PlanStep>();
  for (const step of upcoming) if (!nextByWorkload.has(step.workload)) nextByWorkload.set(step.workload, step);
  const workloads: WorkloadStatus[] = [...config.inventory.online, ...config.inventory.offline].map((workload) => {
    const state = stateByRef.get(`${workload.ref.apiKind}/${workload.ref.namespace}/${workload.ref.name}`);
    const planReplicas = targets.get(workload.name)?.replicas;
    const hpaMin = workload.class === 'online' && workload.hpaName !== undefined ? state?.hpa?.minReplicas : undefined;
    const controlled = hpaMin ?? state?.desiredReplicas;
    const next = nextByWorkload.get(workload.name);
    const freshness = input.freshness?.get(workload.name);
    return {
      workload: workload.name,
      class: workload.class,
      ...(planReplicas !== undefined ? { planReplicas } : {}),
      ...(controlled !== undefined ? { controlledReplicas: controlled } : {}),
      ...(state !== undefined ? { desiredReplicas: state.desiredReplicas, readyReplicas: state.readyReplicas } : {}),
      ...(hpaMin !== undefined ? { hpaMinReplicas: hpaMin } : {}),
      ...(planReplicas !== undefined && controlled !== undefined ? { drift: controlled - planReplicas } : {}),
      missing: state === undefined,
      ...((state?.unschedulableReplicas ?? 0) > 0 ? { unschedulable: { replicas: state?.unschedulableReplicas ?? 0, reason: state?.unschedulableReason ?? 'Unschedulable' } } : {}),
      ...(freshness !== undefined ? { data: dataStatus(freshness, nowMs) } : {}),
      ...(next !== undefined ? { nextStep: { at: new Date(next.effectiveAtMs).toISOString(), inMs: next.effectiveAtMs - nowMs, fromReplicas: next.fromReplicas, toReplicas: next.toReplicas, reason: next.reason, stepId: next.id } } : {}),
    };
  });
  const nowSlot = Math.min(plan.slotCount - 1, Math.max(0, Math.floor((nowMs - plan.startMs) / plan.slotMs)));
  const pools: PoolStatus[] = config.inventory.nodePools.map((pool) => {
    const series = plan.nodes[pool.name];
    const live = snapshot.nodePools.find((candidate) => candidate.pool === pool.name);
    let peak = -1;
    let peakSlot = -1;
    for (let t = nowSlot; series !== undefined && t < series.length; t++) if ((series[t] as number) > peak) { peak = series[t] as number; peakSlot = t; }
    const placeholders = pool.elastic?.placeholders;
    const placeholderState = placeholders === undefined ? undefined : stateByRef.get(`Deployment/${placeholders.namespace}/${placeholders.deploymentName}`);
    return {
      pool: pool.name,
      ...(series !== undefined ? { planNodes: series[nowSlot] as number, peakNodes: peak, peakAt: new Date(plan.startMs + peakSlot * plan.slotMs).toISOString() } : {}),
      ...(live !== undefined ? { readyNodes: live.readyNodes, provisioningNodes: live.provisioningNodes } : {}),
      ...(plan.placeholders?.[pool.name] !== undefined ? { planPlaceholders: plan.placeholders[pool.name]?.[nowSlot] as number } : {}),
      ...(placeholderState !== undefined ? { livePlaceholders: placeholderState.desiredReplicas } : {}),
    };
  });
  return {
    at: new Date(nowMs).toISOString(),
    planId: plan.id,
    planStart: new Date(plan.startMs).toISOString(),
    planEnd: new Date(plan.startMs + plan.slotCount * plan.slotMs).toISOString(),
    workloads,
    pools,
    drifted: workloads.filter((workload) => workload.missing || (workload.drift ?? 0) !== 0).length,
    heldOnData: workloads.filter((workload) => workload.data?.held === true).length,
    undelivered: workloads.filter((workload) => workload.unschedulable !== undefined).length,
    ...(input.pause !== undefined ? { operator: operatorStatus({ snapshot, config, nowMs, pause: input.pause }) } : {}),
    nextSteps: upcoming.slice(0, input.stepCount).map((step) => ({
      at: new Date(step.effectiveAtMs).toISOString(), inMs: step.effectiveAtMs - nowMs, workload: step.workload,
      fromReplicas: step.fromReplicas, toReplicas: step.toReplicas, direction: step.direction, reason: step.reason, message: step.message,
    })),
  };
}

export function renderStatus(
  report: StatusReport & { leader?: string | null; lastForecast?: string | null; lastPlan?: string | null; conditions?: readonly ControllerCondition[] }, color: boolean,
): string {
  const lines = [`plan ${report.planId} (${report.planStart} → ${report.planEnd}), at ${report.at}`];
  if (report.leader !== undefined) lines.push(`leader: ${report.leader ?? 'none (no controller holds the lease)'}; last forecast: ${report.lastForecast ?? 'never'}; last plan: ${report.lastPlan ?? 'never'}`);
  for (const condition of report.conditions ?? []) {
    const text = `${condition.type}=${condition.status} (${condition.reason}) since ${condition.lastTransitionTime}: ${condition.message}`;
    lines.push(condition.status === 'True' ? text : paint(text, 'red', color));
  }
  lines.push(...renderOperator(report.operator, color));
  lines.push(`${report.drifted === 0 ? 'in line with the plan' : `${report.drifted} workload(s) off the plan`}`);
  if (report.heldOnData > 0) {
    lines.push(paint(`${report.heldOnData} workload(s) held on missing or stale demand metrics: no scale-down until fresh data returns`, 'red', color));
    for (const workload of report.workloads) if (workload.data?.held === true) lines.push(`  ${workload.workload}: ${workload.data.message ?? workload.data.status}`);
  }
  if (report.undelivered > 0) {
    lines.push(paint(`${report.undelivered} workload(s) with capacity not delivered: pods the scheduler cannot place`, 'red', color));
    for (const workload of report.workloads) {
      if (workload.unschedulable !== undefined) lines.push(`  ${workload.workload}: ${workload.unschedulable.replicas} Pending — ${workload.unschedulable.reason}`);
    }
  }
  lines.push('');
  const showData = report.workloads.some((workload) => workload.data !== undefined);
  lines.push(renderTextTable(
    [
      { header: ['workload'], align: 'left' }, { header: ['class'], align: 'left' }, { header: ['plan', 'now'], align: 'right' },
      { header: ['live', 'spec'], align: 'right' }, { header: ['live', 'ready'], align: 'right' }, { header: ['HPA', 'min'], align: 'right' },
      { header: ['drift'], align: 'right' },
      ...(showData ? [{ header: ['demand', 'data'], align: 'left' as const }] : []),
      { header: ['next step'], align: 'left' },
    ],
    report.workloads.map((workload) => [
      workload.workload, workload.class, workload.planReplicas?.toString() ?? '–',
      workload.missing ? paint('missing', 'red', color) : String(workload.desiredReplicas),
      workload.unschedulable !== undefined ? paint(`${workload.readyReplicas ?? 0} (${workload.unschedulable.replicas} Pending)`, 'red', color) : workload.readyReplicas?.toString() ?? '–',
      workload.hpaMinReplicas?.toString() ?? '', driftText(workload.drift, color),
      ...(showData ? [dataText(workload.data, color)] : []),
      workload.nextStep !== undefined ? `${workload.nextStep.fromReplicas} → ${workload.nextStep.toReplicas} in ${formatDurationMs(workload.nextStep.inMs)} (${workload.nextStep.reason})` : '',
    ]),
    { color },
  ));
  if (report.pools.length > 0) {
    lines.push('', renderTextTable(
      [
        { header: ['pool'], align: 'left' }, { header: ['plan', 'nodes'], align: 'right' }, { header: ['live', 'ready'], align: 'right' },
        { header: ['live', 'coming'], align: 'right' }, { header: ['plan', 'peak'], align: 'left' }, { header: ['placeholders', 'plan / live'], align: 'right' },
      ],
      report.pools.map((pool) => [
        pool.pool, pool.planNodes?.toString() ?? '–', pool.readyNodes?.toString() ?? '–', pool.provisioningNodes?.toString() ?? '–',
        pool.peakNodes !== undefined ? `${pool.peakNodes} at ${pool.peakAt ?? ''}` : '–',
        pool.planPlaceholders !== undefined ? `${pool.planPlaceholders} / ${pool.livePlaceholders?.toString() ?? paint('missing', 'red', color)}` : '',
      ]),
      { color },
    ));
  }
  if (report.nextSteps.length > 0) {
    lines.push('', 'next steps:');
    for (const step of report.nextSteps) lines.push(`  in ${formatDurationMs(step.inMs)}  ${step.workload} ${step.fromReplicas} → ${step.toReplicas} (${step.direction}, ${step.reason}): ${step.message}`);
  } else {
    lines.push('', 'no further steps in this plan');
  }
  return lines.join('\n');
}

function renderOperator(operator: OperatorStatus | undefined, color: boolean): string[] {
  if (operator === undefined) return [];
  const lines: string[] = [];
  const { pause } = operator;
  if ('unknown' in pause) lines.push(paint(`pause switch unreadable (the controller holds while it cannot read it): ${pause.unknown}`, 'red', color));
  else if (pause.paused) lines.push(paint(`PAUSED: chuanliu ${describePause(pause)}; the controller writes nothing (chuanliu resume)`, 'yellow', color));
  else lines.push('not paused');
  if (operator.pausedWorkloads.length > 0) lines.push(paint(`paused workloads (chuanliu.io/paused): ${operator.pausedWorkloads.join(', ')}`, 'yellow', color));
  for (const override of operator.overrides) {
    if (override.state === 'invalid') lines.push(paint(`override ignored: ${override.message ?? ''}`, 'red', color));
    else lines.push(`override ${override.state}: ${override.workload} at least ${override.minReplicas ?? 0} until ${override.until ?? ''}${override.by !== undefined ? ` (by ${override.by})` : ''}`);
  }
  return lines;
}

function dataStatus(freshness: DataFreshness, nowMs: number): NonNullable<WorkloadStatus['data']> {
  const lastSampleAtMs = freshness.status === 'missing' ? undefined : freshness.lastSampleAtMs;
  return {
    status: freshness.status,
    ...(lastSampleAtMs !== undefined ? { newestSampleAgeSeconds: Math.max(0, Math.round((nowMs - lastSampleAtMs) / 1000)) } : {}),
    held: freshness.status !== 'fresh',
    ...(freshness.status !== 'fresh' ? { message: freshness.message } : {}),
  };
}

function dataText(data: WorkloadStatus['data'], color: boolean): string {
  if (data === undefined) return '';
  const age = data.newestSampleAgeSeconds !== undefined ? ` ${formatDurationMs(data.newestSampleAgeSeconds * 1000)}` : '';
  if (!data.held) return `fresh${age}`;
  return paint(`${data.status}${age}, held`, 'red', color);
}

function driftText(drift: number | undefined, color: boolean): string {
  if (drift === undefined) return '';
  if (drift === 0) return '0';
  return paint(drift > 0 ? `+${drift}` : String(drift), 'yellow', color);
}
