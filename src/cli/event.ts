/**
 * `chuanliu event add | list | get | cancel`: tell a running controller about a short-notice peak
 * through a PeakEvent (chuanliu.io/v1alpha1). Flags like kubectl's (`--kubeconfig`, `--context`,
 * `-n`). `add` validates locally first (with `--config`, the workload names too): bad input exits
 * 2 and nothing is written; the API server then applies the CRD's rules. `add --dry-run` writes
 * nothing and prints the plan change the event would cause (needs `--config`).
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { KubernetesPeakEvents } from '../adapters/kubernetes/peak-events.ts';
import { loadKubeConfig } from '../adapters/kubernetes/kubeconfig.ts';
import { readInputFile } from '../config/load-config.ts';
import {
  PEAK_EVENT_API_VERSION, PEAK_EVENT_KINDS, parsePeakEvent, type PeakEventObject,
} from '../calendar/peak-event.ts';
import { InputError } from '../domain/errors.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import { parse as parseYaml } from 'yaml';
import { kubeconfigSource } from './controller.ts';
import { eventDryRun, renderDryRun } from './event-dry-run.ts';
import { parseInstantFlag } from './planning-flags.ts';

interface KubeFlags {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  output: string;
}

interface AddFlags extends KubeFlags {
  file?: string;
  kind?: string;
  start?: string;
  tz?: string;
  duration?: string;
  ramp?: string;
  uplift?: string;
  rps?: string[];
  workloads?: string;
  config?: string;
  dryRun?: boolean;
  now?: string;
  prometheusUrl?: string;
}

const OUTPUTS = ['table', 'json', 'yaml'] as const;
type Output = (typeof OUTPUTS)[number];

function parseEventOutput(text: string): Output {
  if ((OUTPUTS as readonly string[]).includes(text)) return text as Output;
  throw new InputError(`"${text}" is not one of ${OUTPUTS.join(', ')}`, { source: '--output' });
}

function addKubeFlags(command: Command): Command {
  return command
    .option('--kubeconfig <path>', 'kubeconfig file (default: KUBECONFIG, ~/.kube/config)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'namespace of the PeakEvent (default: the context\'s namespace, else default)')
    .option('-o, --output <format>', `output: ${OUTPUTS.join(' | ')}`, 'table');
}

function connect(flags: KubeFlags): { store: KubernetesPeakEvents; namespace: string } {
  const kubeConfig = loadKubeConfig(kubeconfigSource({ config: '', ...(flags.kubeconfig !== undefined ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context !== undefined ? { context: flags.context } : {}) }));
  const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
  const namespace = flags.namespace ?? contextNamespace ?? 'default';
  return { store: new KubernetesPeakEvents({ kubeConfig, namespaces: [namespace] }), namespace };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** The PeakEvent object the flags (or `-f`) describe; InputError names the flag. */
async function objectFromFlags(name: string | undefined, flags: AddFlags, namespace: string): Promise<PeakEventObject> {
  if (flags.file !== undefined) {
    const text = await readInputFile(flags.file, 'PeakEvent');
    let parsed: unknown;
    try {
      parsed = parseYaml(text);
    } catch (error) {
      throw new InputError(`not YAML: ${(error as Error).message}`, { source: flags.file });
    }
    const object = parsed as PeakEventObject;
    if (object === null || typeof object !== 'object' || typeof object.metadata !== 'object') throw new InputError('expected a PeakEvent object with metadata and spec', { source: flags.file });
    return { ...object, metadata: { ...object.metadata, namespace: object.metadata.namespace ?? namespace, ...(name !== undefined ? { name } : {}) } };
  }
  if (name === undefined) throw new InputError('expected a name (chuanliu event add <name> …) or -f <file>', { source: 'chuanliu event add' });
  for (const [flag, value] of [['--kind', flags.kind], ['--start', flags.start], ['--duration', flags.duration]] as const) {
    if (value === undefined) throw new InputError(`required (or give -f <file>)`, { source: flag });
  }
  const timeZone = flags.tz ?? 'UTC';
  const uplift = flags.uplift === undefined ? undefined : Number(flags.uplift);
  if (uplift !== undefined && !Number.isFinite(uplift)) throw new InputError(`"${flags.uplift}" is not a number`, { source: '--uplift' });
  let expectedRps: Record<string, number> | undefined;
  for (const entry of flags.rps ?? []) {
    const match = /^([^=]+)=(.+)$/.exec(entry);
    const rps = Number(match?.[2]);
    if (match === null || !Number.isFinite(rps)) throw new InputError(`"${entry}" is not <workload>=<requests/s>, e.g. payment=4000`, { source: '--rps' });
    expectedRps = { ...expectedRps, [match[1]!.trim()]: rps };
  }
  // An offset-less start is read in --tz, as the operator says it ("20:05 Shanghai time").
  const start = flags.start as string;
  return {
    apiVersion: PEAK_EVENT_API_VERSION,
    kind: 'PeakEvent',
    metadata: { name, namespace },
    spec: {
      kind: flags.kind,
      start,
      timeZone,
      duration: flags.duration,
      ...(flags.ramp !== undefined ? { ramp: flags.ramp } : {}),
      ...(uplift !== undefined ? { uplift } : {}),
      ...(expectedRps !== undefined ? { expectedRps } : {}),
      ...(flags.workloads !== undefined ? { workloads: flags.workloads.split(',').map((workload) => workload.trim()).filter((workload) => workload !== '') } : {}),
    },
  };
}

function print(output: Output, value: unknown, table: () => string): void {
  if (output === 'json') process.stdout.write(`${JSON.stringify(value, undefined, 2)}\n`);
  else if (output === 'yaml') process.stdout.write(stringify(value));
  else process.stdout.write(`${table()}\n`);
}

function eventRow(object: PeakEventObject): string[] {
  const spec = (object.spec ?? {}) as Record<string, unknown>;
  const cancelled = spec['cancelled'] === true;
  return [
    object.metadata.namespace ?? '', object.metadata.name ?? '', String(spec['kind'] ?? ''), `${String(spec['start'] ?? '')} ${String(spec['timeZone'] ?? '')}`,
    String(spec['duration'] ?? ''), object.status?.workloads ?? '-', object.status?.lead ?? '-', cancelled ? 'Cancelled' : (object.status?.state ?? 'Pending'),
  ];
}

function table(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)));
  return [header, ...rows].map((row) => row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('   ').trimEnd()).join('\n');
}

const HEADER = ['NAMESPACE', 'NAME', 'KIND', 'START', 'DURATION', 'WORKLOADS', 'LEAD', 'STATE'];

export function registerEventCommand(program: Command): void {
  const event = program.command('event').description('Short-notice peaks on a running controller: PeakEvents (chuanliu.io/v1alpha1)');

  addKubeFlags(event.command('add [name]'))
    .description('Add a PeakEvent: validated locally, then by the API server; --dry-run shows the plan change and writes nothing')
    .option('-f, --file <yaml>', 'the PeakEvent as YAML instead of the flags below')
    .option('--kind <kind>', `event kind: ${PEAK_EVENT_KINDS.join(', ')}`)
    .option('--start <instant>', 'start: ISO 8601 with offset, or a local date-time read in --tz (2026-11-11T20:05)')
    .option('--tz <zone>', 'IANA time zone of the event', 'UTC')
    .option('--duration <duration>', 'how long it lasts, e.g. 40m')
    .option('--ramp <duration>', 'to full effect / top of the pulse (default 5m)')
    .option('--uplift <factor>', 'demand at full effect = factor × baseline (above 1)')
    .option('--rps <workload=rps>', 'additional requests/s at the top for a workload (repeatable); instead of --uplift', collect)
    .option('--workloads <a,b>', 'online workloads an --uplift applies to (default: all)')
    .option('--config <yaml>', 'chuanliu config: check workload names; needed for --dry-run')
    .option('--dry-run', 'write nothing: print the plan change (needs --config)')
    .option('--now <instant>', 'with --dry-run: plan from this instant (default: the wall clock)')
    .option('--prometheus-url <url>', 'with --dry-run: Prometheus for demand sources of kind prometheus')
    .action(async (name: string | undefined, flags: AddFlags) => {
      const output = parseEventOutput(flags.output);
      const { store, namespace } = connect(flags);
      try {
        const object = await objectFromFlags(name, flags, namespace);
        if (flags.dryRun === true) {
          if (flags.config === undefined) throw new InputError('--dry-run plans with and without the event: give --config', { source: '--dry-run' });
          const nowMs = flags.now !== undefined ? parseInstantFlag(flags.now, '--now', flags.tz) : systemClock.nowMs();
          const result = await eventDryRun({ configPath: flags.config, object, store, nowMs, ...(flags.prometheusUrl !== undefined ? { prometheusUrl: flags.prometheusUrl } : {}), kube: flags });
          print(output, result.json, () => renderDryRun(result));
          return;
        }
        // Locally first: nothing reaches the API when the event is wrong.
        let workloads: readonly string[] | undefined;
        if (flags.config !== undefined) {
          const { loadConfigFile } = await import('../config/load-config.ts');
          workloads = (await loadConfigFile(flags.config)).inventory.online.map((workload) => workload.name);
        }
        parsePeakEvent(object, { ...(workloads !== undefined ? { workloads } : {}), ...(flags.file !== undefined ? { source: flags.file } : {}) });
        const created = await store.create(object);
        print(output, created, () => `peakevent.chuanliu.io/${created.metadata.name} created in ${created.metadata.namespace}; the controller takes it in within a minute (chuanliu event get ${created.metadata.name} -n ${created.metadata.namespace})`);
      } finally {
        store.close();
      }
    });

  addKubeFlags(event.command('list'))
    .description('List PeakEvents with their state and lead')
    .action(async (flags: KubeFlags) => {
      const output = parseEventOutput(flags.output);
      const { store, namespace } = connect(flags);
      try {
        const items = await store.listIn(namespace);
        items.sort((a, b) => String((a.spec as Record<string, unknown>)['start']).localeCompare(String((b.spec as Record<string, unknown>)['start'])));
        print(output, { apiVersion: PEAK_EVENT_API_VERSION, kind: 'PeakEventList', items }, () => (items.length === 0 ? `no PeakEvents in ${namespace}` : table(HEADER, items.map(eventRow))));
      } finally {
        store.close();
      }
    });

  addKubeFlags(event.command('get <name>'))
    .description('Show one PeakEvent: spec, conditions, plan id, lead, shortfall and brownout order')
    .action(async (name: string, flags: KubeFlags) => {
      const output = parseEventOutput(flags.output);
      const { store, namespace } = connect(flags);
      try {
        const object = await store.get(namespace, name);
        if (object === undefined) throw new InputError(`no PeakEvent "${name}" in namespace ${namespace}`, { source: 'chuanliu event get' });
        print(output, object, () => {
          const status = object.status ?? {};
          const lines = [table(HEADER, [eventRow(object)]), ''];
          for (const item of status.conditions ?? []) lines.push(`${item.type.padEnd(14)} ${item.status.padEnd(7)} ${item.reason}: ${item.message}`);
          if (status.planId !== undefined) lines.push(`plan           ${status.planId}`);
          if (status.shortfallReplicas !== undefined && status.shortfallReplicas > 0) lines.push(`shortfall      ${status.shortfallReplicas} replicas; brownout: ${(status.brownoutOrder ?? []).join(', ') || '-'}`);
          if ((status.conditions ?? []).length === 0) lines.push('no status yet: the controller has not seen it (it looks every 5 s)');
          return lines.join('\n');
        });
      } finally {
        store.close();
      }
    });

  addKubeFlags(event.command('cancel <name>'))
    .description('Cancel a PeakEvent: it stops shaping the plan; its capacity is handed back after the scale-in stabilization')
    .option('--delete', 'delete the object instead of marking it cancelled (its history goes with it)')
    .action(async (name: string, flags: KubeFlags & { delete?: boolean }) => {
      const output = parseEventOutput(flags.output);
      const { store, namespace } = connect(flags);
      try {
        if (await store.get(namespace, name) === undefined) throw new InputError(`no PeakEvent "${name}" in namespace ${namespace}`, { source: 'chuanliu event cancel' });
        if (flags.delete === true) {
          await store.delete(namespace, name);
          print(output, { deleted: `${namespace}/${name}` }, () => `peakevent.chuanliu.io/${name} deleted`);
        } else {
          const patched = await store.patchSpec(namespace, name, { cancelled: true });
          print(output, patched, () => `peakevent.chuanliu.io/${name} cancelled; capacity is handed back after the scale-in stabilization`);
        }
      } finally {
        store.close();
      }
    });
}
