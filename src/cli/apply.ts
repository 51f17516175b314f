/**
 * `chuanliu apply --plan plan.json`: one reconcile of the plan at the current time, through the
 * same controller core as the controller (releases first, acquires once the drain is over, safety
 * checks, idempotent). `--dry-run` prints the exact writes a real tick would make and changes
 * nothing. With `--redis` the applied-steps history is shared with the running controller and the
 * leader lease is held for the tick, so an SRE's apply never races the controller.
 *
 * Also exports the rendering of a tick, shared with `chuanliu reconcile --once`.
 */
import type { Command } from 'commander';
import { RedisAppliedStepStore } from '../adapters/bullmq/redis-applied-steps.ts';
import { closeRedis, createRedis, redactRedisUrl, type Redis } from '../adapters/bullmq/redis-connection.ts';
import { redisKeys } from '../adapters/bullmq/redis-keys.ts';
import { RedisLease } from '../adapters/bullmq/redis-lease.ts';
import { MemoryAppliedStepStore } from '../adapters/memory/memory-applied-steps.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { reconcile, type ReconcileResult } from '../controller/reconcile.ts';
import { RuntimeFailure } from '../domain/errors.ts';
import type { AppliedStepStore } from '../ports/applied-steps.ts';
import type { ClusterWrite } from '../ports/cluster.ts';
import { shouldUseColor } from '../report/ansi.ts';
import { renderTextTable } from '../report/text-table.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import { addClusterOptions, clusterFor, parseOutput, readPlanFor, safetyFor, type ClusterFlags } from './controller.ts';

interface ApplyFlags extends ClusterFlags {
  plan: string;
  dryRun?: boolean;
  redis?: string;
  redisPrefix: string;
  output: string;
}

export function registerApplyCommand(program: Command): void {
  addClusterOptions(program.command('apply'))
    .description('Apply a plan now (one reconcile: release, wait for drains, acquire); --dry-run prints the exact writes')
    .requiredOption('--plan <json>', 'plan file from `chuanliu plan -o json`')
    .option('--dry-run', 'print the writes a real tick would make; change nothing')
    .option('--redis <url>', 'share applied steps with the running controller and hold its lease for the tick')
    .option('--redis-prefix <prefix>', 'prefix of the controller\'s Redis keys', 'chuanliu')
    .option('-o, --output <format>', 'stdout format: table | json', 'table')
    .action(async (flags: ApplyFlags) => {
      const output = parseOutput(flags.output);
      const config = await loadConfigFile(flags.config);
      const plan = await readPlanFor(flags.plan, config);
      const cluster = clusterFor(config, flags);
      const redis = flags.redis !== undefined ? createRedis(flags.redis, { name: 'chuanliu-apply' }) : undefined;
      try {
        const keys = redisKeys(flags.redisPrefix);
        const appliedSteps: AppliedStepStore = redis !== undefined ? new RedisAppliedStepStore({ redis, keys }) : new MemoryAppliedStepStore();
        const run = (): Promise<ReconcileResult> => reconcile({
          cluster, plan, inventory: config.inventory, appliedSteps, clock: systemClock, safety: safetyFor(config),
          dryRun: flags.dryRun === true, maxConcurrentWrites: 32,
        });
        const result = redis !== undefined && flags.dryRun !== true
          ? await withLease(redis, keys.leader, 'apply', run, flags.redis ?? '')
          : await run();
        process.stdout.write(output === 'json' ? `${JSON.stringify(tickJson(result), undefined, 2)}\n` : `${renderTick(result, shouldUseColor(process.stdout))}\n`);
        failOnTick(result);
      } finally {
        if (redis !== undefined) await closeRedis(redis);
        cluster.close();
      }
    });
}

/** Holds the controller's leader lease while `run` runs, waiting up to `waitMs` for it. */
export async function withLease<Result>(redis: Redis, key: string, holder: string, run: () => Promise<Result>, redisUrl: string, waitMs = 30_000): Promise<Result> {
  const lease = new RedisLease({ redis, key, ttlMs: 30_000, holder });
  const deadline = Date.now() + waitMs;
  while (!(await lease.tryAcquire())) {
    if (Date.now() > deadline) {
      throw new RuntimeFailure(`the controller's lease at ${redactRedisUrl(redisUrl)} (${key}) is held by ${await lease.holder() ?? 'someone'}; not applying alongside it`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  // Renew while the tick runs (a large tick can outlast the TTL).
  const renewal = setInterval(() => void lease.renew().catch(() => undefined), 10_000);
  try {
    return await run();
  } finally {
    clearInterval(renewal);
    await lease.release().catch(() => undefined);
  }
}

/** A tick that did not complete is a runtime failure (exit 1), with its reason. */
export function failOnTick(result: ReconcileResult): void {
  if (result.status === 'refused' || result.status === 'held' || result.status === 'write-failures') {
    throw new RuntimeFailure(`reconcile ${result.status}: ${result.message}`);
  }
}

export function describeWrite(write: ClusterWrite): { object: string; change: string } {
  switch (write.kind) {
    case 'replicas':
      return { object: `${write.ref.apiKind}/${write.ref.namespace}/${write.ref.name}`, change: `spec.replicas (scale) = ${write.replicas}` };
    case 'hpa-min':
      return { object: `HorizontalPodAutoscaler/${write.ref.namespace}/${write.hpaName}`, change: `spec.minReplicas = ${write.minReplicas}` };
    case 'job-parallelism':
      return { object: `Job/${write.ref.namespace}/${write.ref.name}`, change: `spec.parallelism = ${write.parallelism}` };
    case 'cronjob-suspend':
      return { object: `CronJob/${write.ref.namespace}/${write.ref.name}`, change: `spec.suspend = ${write.suspend}` };
    case 'pool-nodes':
      return { object: `node pool ${write.pool}`, change: `nodes = ${write.nodes}` };
  }
}

export function renderTick(result: ReconcileResult, color: boolean): string {
  const lines = [`${result.status === 'dry-run' ? 'dry-run (nothing changed)' : result.status}: ${result.message}`];
  if (result.records.length > 0) {
    lines.push('', renderTextTable(
      [
        { header: ['#'], align: 'right' }, { header: ['phase'], align: 'left' }, { header: ['workload'], align: 'left' },
        { header: ['object'], align: 'left' }, { header: ['write'], align: 'left' }, { header: ['from'], align: 'right' },
        { header: ['outcome'], align: 'left' }, { header: ['plan step'], align: 'left' },
      ],
      result.records.map((record, index) => {
        const { object, change } = describeWrite(record.write);
        const outcome = record.outcome.status === 'failed' ? `failed: ${record.outcome.error}` : record.outcome.status === 'skipped' ? `skipped: ${record.outcome.reason}` : record.outcome.status;
        return [String(index + 1), record.phase, record.target, object, change, String(record.fromReplicas), outcome, record.stepId];
      }),
      { color },
    ));
  }
  for (const wait of result.decision?.waits ?? []) {
    lines.push(`waiting: ${wait.target} ${wait.fromReplicas} → ${wait.toReplicas} — ${wait.message}`);
  }
  for (const record of result.decision?.writes ?? []) {
    if (record.cutShort !== undefined) lines.push(`urgent (${record.cutShort.code}): ${record.cutShort.message}`);
  }
  for (const held of result.decision?.notYetFree ?? []) lines.push(`not yet free: ${held.message}`);
  for (const refusal of result.decision?.refusals ?? []) lines.push(`refused (${refusal.code}): ${refusal.message}`);
  for (const denial of result.permissionDenials ?? []) lines.push(`not permitted: ${denial.request} — ${denial.reason}`);
  for (const warning of result.decision?.warnings ?? []) lines.push(`warning: ${warning}`);
  return lines.join('\n');
}

export function tickJson(result: ReconcileResult): Record<string, unknown> {
  return {
    status: result.status,
    at: new Date(result.atMs).toISOString(),
    planId: result.planId ?? null,
    message: result.message,
    ...(result.permissionDenials !== undefined ? { permissionDenials: result.permissionDenials.map((denial) => ({ request: denial.request, reason: denial.reason, ...describeWrite(denial.write) })) } : {}),
    writes: result.records.map((record, index) => ({
      order: index + 1, phase: record.phase, workload: record.target, stepId: record.stepId,
      fromReplicas: record.fromReplicas, toReplicas: record.toReplicas, ...describeWrite(record.write), write: record.write, outcome: record.outcome,
    })),
    waits: (result.decision?.waits ?? []).map((wait) => ({
      workload: wait.target, fromReplicas: wait.fromReplicas, toReplicas: wait.toReplicas, blockedBy: wait.blockedBy,
      notBefore: wait.notBeforeMs !== undefined ? new Date(wait.notBeforeMs).toISOString() : null, message: wait.message,
    })),
    urgent: (result.decision?.writes ?? []).flatMap((write) => (write.cutShort !== undefined ? [{ workload: write.target, ...write.cutShort }] : [])),
    notYetFree: result.decision?.notYetFree ?? [],
    refusals: result.decision?.refusals ?? [],
    warnings: result.decision?.warnings ?? [],
    stepsMarkedApplied: result.stepsMarkedApplied,
  };
}
