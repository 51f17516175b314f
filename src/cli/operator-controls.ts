/**
 * Operators stay in charge on the peak night:
 *
 *   chuanliu pause [--reason text]      everything chuanliu manages: ticks still decide and report,
 *   chuanliu resume                     nothing is written until resumed
 *   chuanliu override <workload> --min N --until <time>   a floor with an expiry
 *   chuanliu override <workload> --clear
 *
 * Kubectl-native underneath (adapters/kubernetes/operator-controls.ts): the ConfigMap
 * `chuanliu-controls` in the controller's namespace, and two annotations on the workload. Flags as
 * `chuanliu event`: --kubeconfig, --context, -n, -o, --dry-run (server-side dry run: validated by the
 * API, nothing stored). Bad input exits 2 with nothing written.
 */
import { hostname, userInfo } from 'node:os';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { CONTROLS_CONFIGMAP, DEFAULT_CONTROLLER_NAMESPACE, KubernetesOperatorControls } from '../adapters/kubernetes/operator-controls.ts';
import { loadConfigFile } from '../config/load-config.ts';
import {
  OVERRIDE_BY_ANNOTATION, OVERRIDE_MIN_ANNOTATION, OVERRIDE_UNTIL_ANNOTATION, parseOverrideAnnotations,
} from '../controller/operator-overrides.ts';
import { InputError } from '../domain/errors.ts';
import { addLocalDays, epochMsToLocal, isValidTimeZone, localToEpochMs } from '../domain/time-zones.ts';
import type { WorkloadRef } from '../domain/workload.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import { describePause } from '../ports/operator-controls.ts';
import { kubeconfigSource } from './controller.ts';
import { parseInstantFlag } from './planning-flags.ts';

interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output: string;
  dryRun?: boolean;
  by?: string;
}

const OUTPUTS = ['table', 'json', 'yaml'] as const;
type Output = (typeof OUTPUTS)[number];

function parseOutputFlag(text: string): Output {
  if ((OUTPUTS as readonly string[]).includes(text)) return text as Output;
  throw new InputError(`"${text}" is not one of ${OUTPUTS.join(', ')}`, { source: '--output' });
}

function print(output: Output, value: unknown, text: string): void {
  if (output === 'json') process.stdout.write(`${JSON.stringify(value, undefined, 2)}\n`);
  else if (output === 'yaml') process.stdout.write(stringify(value));
  else process.stdout.write(`${text}\n`);
}

function addFlags(command: Command, namespaceHelp: string): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', namespaceHelp)
    .option('-o, --output <format>', `output: ${OUTPUTS.join(' | ')}`, 'table')
    .option('--dry-run', 'validate with the API server (server-side dry run) and write nothing')
    .option('--by <name>', 'who does it, recorded with it (default: user@host)');
}

function whoAmI(flags: KubeFlags): string {
  if (flags.by !== undefined && flags.by.trim() !== '') return flags.by.trim();
  let user = 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // No passwd entry (some containers): the host alone.
  }
  return `${user}@${hostname()}`;
}

function kubeConfigOf(flags: KubeFlags): ReturnType<typeof loadKubeConfig> {
  return loadKubeConfig(kubeconfigSource({ config: '', ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) }));
}

function controlsFor(flags: KubeFlags): { controls: KubernetesOperatorControls; namespace: string } {
  const namespace = flags.namespace ?? DEFAULT_CONTROLLER_NAMESPACE;
  return { controls: new KubernetesOperatorControls({ kubeConfig: kubeConfigOf(flags), namespace }), namespace };
}

/**
 * `--until`: RFC 3339 with an offset, a local date-time, or `HH:MM` — the next time the wall clock
 * in `timeZone` shows it (at 23:40, `00:30` is tomorrow's). Throws InputError when not in the future.
 */
export function parseUntil(text: string, timeZone: string, nowMs: number): number {
  if (!isValidTimeZone(timeZone)) throw new InputError(`"${timeZone}" is not an IANA time zone`, { source: '--time-zone' });
  const clock = /^(\d{1,2}):(\d{2})$/.exec(text.trim());
  let untilMs: number;
  if (clock !== null) {
    const hour = Number(clock[1]);
    const minute = Number(clock[2]);
    if (hour > 23 || minute > 59) throw new InputError(`"${text}" is not a time of day (HH:MM, 00:00…23:59)`, { source: '--until' });
    const today = { ...epochMsToLocal(nowMs, timeZone), hour, minute, second: 0 };
    untilMs = localToEpochMs(today, timeZone);
    if (untilMs <= nowMs) untilMs = localToEpochMs(addLocalDays(today, 1), timeZone);
  } else {
    untilMs = parseInstantFlag(text, '--until', timeZone);
  }
  if (untilMs <= nowMs) throw new InputError(`"${text}" is in the past (${new Date(untilMs).toISOString()}); an override needs an expiry in the future`, { source: '--until' });
  return untilMs;
}

function parseMin(text: string | undefined): number {
  if (text === undefined) throw new InputError('required: the floor in replicas (or --clear)', { source: '--min' });
  if (!/^\d+$/.test(text.trim())) throw new InputError(`"${text}" is not a whole number of replicas (0 or more)`, { source: '--min' });
  return Number(text.trim());
}

interface OverrideFlags extends KubeFlags {
  min?: string;
  until?: string;
  timeZone: string;
  clear?: boolean;
  config?: string;
}

const KINDS: Readonly<Record<string, WorkloadRef['apiKind']>> = {
  deployment: 'Deployment', deploy: 'Deployment', deployments: 'Deployment',
  statefulset: 'StatefulSet', sts: 'StatefulSet', statefulsets: 'StatefulSet',
  job: 'Job', jobs: 'Job', cronjob: 'CronJob', cj: 'CronJob', cronjobs: 'CronJob',
};

/**
 * `<workload>`: a name from --config's inventory, or `kind/name` as kubectl writes it, or a bare
 * name (a Deployment) in -n. Returns the ref and, with --config, the workload's maximum.
 */
async function resolveWorkload(text: string, flags: OverrideFlags, kubeNamespace: string): Promise<{ ref: WorkloadRef; label: string; maxReplicas?: number }> {
  if (flags.config !== undefined) {
    const config = await loadConfigFile(flags.config);
    const workload = [...config.inventory.online, ...config.inventory.offline].find((candidate) => candidate.name === text);
    if (workload === undefined) throw new InputError(`no workload "${text}" in the config's inventory`, { source: flags.config });
    return { ref: workload.ref, label: workload.name, maxReplicas: workload.maxReplicas };
  }
  const slash = text.indexOf('/');
  const kindText = slash < 0 ? 'deployment' : text.slice(0, slash).toLowerCase().replace(/\.(apps|batch)$/, '');
  const name = slash < 0 ? text : text.slice(slash + 1);
  const apiKind = KINDS[kindText];
  if (apiKind === undefined) throw new InputError(`"${text}": expected <name>, or <kind>/<name> with kind deployment, statefulset, job or cronjob`, { source: 'chuanliu override' });
  if (!/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) throw new InputError(`"${name}" is not a Kubernetes object name`, { source: 'chuanliu override' });
  return { ref: { apiKind, namespace: kubeNamespace, name }, label: `${apiKind.toLowerCase()}/${name}` };
}

export function registerOperatorControlsCommands(program: Command): void {
  addFlags(program.command('pause'), `the controller's namespace (default ${DEFAULT_CONTROLLER_NAMESPACE})`)
    .description(`Pause chuanliu: the controller keeps deciding and reporting, and writes nothing until \`chuanliu resume\` (ConfigMap ${CONTROLS_CONFIGMAP})`)
    .option('--reason <text>', 'why, shown in status, logs and Events')
    .action(async (flags: KubeFlags & { reason?: string }) => {
      const output = parseOutputFlag(flags.output);
      const { controls, namespace } = controlsFor(flags);
      try {
        const state = await controls.pause({ by: whoAmI(flags), nowMs: systemClock.nowMs(), ...(flags.reason !== undefined ? { reason: flags.reason } : {}), ...(flags.dryRun === true ? { dryRun: true } : {}) });
        const dry = flags.dryRun === true ? ' (dry run: nothing written)' : '';
        print(output, { namespace, configMap: CONTROLS_CONFIGMAP, ...state, dryRun: flags.dryRun === true }, `chuanliu ${describePause(state)}${dry}: the controller writes nothing from its next tick (configmap/${CONTROLS_CONFIGMAP} in ${namespace}); \`chuanliu resume\` to continue`);
      } finally {
        controls.close();
      }
    });

  addFlags(program.command('resume'), `the controller's namespace (default ${DEFAULT_CONTROLLER_NAMESPACE})`)
    .description('Resume chuanliu after `chuanliu pause`: writes follow the plan again from the next tick')
    .action(async (flags: KubeFlags) => {
      const output = parseOutputFlag(flags.output);
      const { controls, namespace } = controlsFor(flags);
      try {
        const before = await controls.read();
        await controls.resume({ by: whoAmI(flags), nowMs: systemClock.nowMs(), ...(flags.dryRun === true ? { dryRun: true } : {}) });
        const dry = flags.dryRun === true ? ' (dry run: nothing written)' : '';
        print(output, { namespace, configMap: CONTROLS_CONFIGMAP, paused: false, wasPaused: before.paused, dryRun: flags.dryRun === true }, before.paused
          ? `chuanliu resumed${dry} (it was ${describePause(before)}): the controller follows the plan from its next tick`
          : `chuanliu was not paused; nothing changes${dry}`);
      } finally {
        controls.close();
      }
    });

  addFlags(program.command('override <workload>'), 'namespace of the workload (default: the context\'s namespace, else default; ignored with --config)')
    .description('Hold a floor under a workload until a time: chuanliu keeps it at least --min replicas (the plan applies where it asks more); --clear removes it')
    .option('--min <replicas>', 'the floor, in replicas (HPA-managed workloads: the HPA\'s minReplicas)')
    .option('--until <time>', 'when the floor ends: RFC 3339 (2026-11-11T21:30:00+08:00), a local date-time, or HH:MM (next time the clock shows it) in --time-zone')
    .option('--time-zone <zone>', 'IANA zone of a local --until', Intl.DateTimeFormat().resolvedOptions().timeZone)
    .option('--clear', 'remove the override')
    .option('--config <yaml>', 'chuanliu config: <workload> is an inventory name, and --min is checked against its maximum')
    .action(async (workloadText: string, flags: OverrideFlags) => {
      const output = parseOutputFlag(flags.output);
      const kubeConfig = kubeConfigOf(flags);
      const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
      // Everything is checked before anything is written.
      const nowMs = systemClock.nowMs();
      let annotations: Record<string, string | null>;
      let summary: Record<string, unknown>;
      const workload = await resolveWorkload(workloadText, flags, flags.namespace ?? contextNamespace ?? 'default');
      if (flags.clear === true) {
        if (flags.min !== undefined || flags.until !== undefined) throw new InputError('--clear takes no --min or --until', { source: '--clear' });
        annotations = { [OVERRIDE_MIN_ANNOTATION]: null, [OVERRIDE_UNTIL_ANNOTATION]: null, [OVERRIDE_BY_ANNOTATION]: null };
        summary = { workload: workload.label, ref: workload.ref, cleared: true };
      } else {
        const min = parseMin(flags.min);
        if (flags.until === undefined) throw new InputError('required: when the floor ends (an override always expires)', { source: '--until' });
        const untilMs = parseUntil(flags.until, flags.timeZone, nowMs);
        if (workload.maxReplicas !== undefined && min > workload.maxReplicas) {
          throw new InputError(`${min} is above ${workload.label}'s maximum of ${workload.maxReplicas} replicas`, { source: '--min' });
        }
        const until = new Date(untilMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
        annotations = { [OVERRIDE_MIN_ANNOTATION]: String(min), [OVERRIDE_UNTIL_ANNOTATION]: until, [OVERRIDE_BY_ANNOTATION]: whoAmI(flags) };
        // The controller must read back exactly what is written.
        const check = parseOverrideAnnotations(annotations as Record<string, string>);
        if (check === undefined || 'error' in check) throw new Error(`override annotations do not parse: ${JSON.stringify(check)}`);
        summary = { workload: workload.label, ref: workload.ref, minReplicas: min, until, by: annotations[OVERRIDE_BY_ANNOTATION] };
      }
      const controls = new KubernetesOperatorControls({ kubeConfig });
      try {
        // Unknown workload: a clear error, nothing written.
        await controls.workloadAnnotations(workload.ref);
        await controls.annotateWorkload(workload.ref, annotations, { dryRun: flags.dryRun === true });
        const dry = flags.dryRun === true ? ' (dry run: nothing written)' : '';
        const { ref } = workload;
        print(output, { ...summary, dryRun: flags.dryRun === true }, flags.clear === true
          ? `override of ${ref.apiKind.toLowerCase()}/${ref.name} in ${ref.namespace} cleared${dry}: the plan alone applies from the controller's next tick`
          : `${ref.apiKind.toLowerCase()}/${ref.name} in ${ref.namespace}: at least ${String(summary['minReplicas'])} replicas until ${String(summary['until'])}${dry}; the controller applies it on its next tick and drops it by itself at expiry`);
      } finally {
        controls.close();
      }
    });
}
