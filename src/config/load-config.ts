/**
 * Loads and validates the chuanliu config (YAML). Every problem is reported at once, each with the
 * file, line and field path (see validate-yaml.ts). Relative paths inside the file (calendar, CSV
 * demand sources) are resolved against the config file's folder, so the config can be used from any
 * working directory.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InputError } from '../domain/errors.ts';
import type { Inventory, OnlineWorkload } from '../domain/workload.ts';
import { configFileSchema } from './schema.ts';
import { validateYaml } from './validate-yaml.ts';

export {
  controllerSchema, configFileSchema, demandSourceSchema, forecastSettingsSchema, guardSchema, nodePoolSchema,
  offlineWorkloadSchema, onlineWorkloadSchema, planningSchema, workloadRefSchema,
} from './schema.ts';
export {
  cpuSchema, durationSchema, instantSchema, memorySchema, nameSchema, positiveDurationSchema, resourcesSchema,
  unitIntervalSchema,
} from './units-schema.ts';
export {
  formatFieldPath, formatProblem, parseLocatedYaml, problemsToError, validateLocated, validateYaml,
  type LocatedYaml, type YamlProblem,
} from './validate-yaml.ts';

export interface ChuanliuConfig {
  /** The file the config was read from (for messages). */
  source: string;
  inventory: Inventory;
  /** Resolved relative to the config file when read with loadConfigFile. */
  calendarPath?: string;
  planning: { slotMs: number; horizonMs: number; applyLatencyMs: number; scaleInStabilizationMs: number; nodeProvisioningMs?: number };
  /** `quantiles` is sorted and includes every workload's demand quantile and the guard's band quantile. */
  forecast: { quantiles: number[]; bucketMs: number; historyMs: number; refitEveryMs: number };
  guard: {
    bandQuantile: number; consecutiveSamples: number; sampleIntervalMs: number; headroomFactor: number;
    toleranceFraction: number; coolDownMs: number; stabilizationMs: number; trendHorizonMs: number;
  };
  controller: { namespaces: string[]; maxStepReplicas?: number; dataFreshness: { maxSampleAgeMs: number; checkEveryMs: number } };
}

export interface ParseConfigOptions {
  /** Folder that relative paths in the file are resolved against; undefined = keep them as written. */
  baseDir?: string;
}

/** Parses and validates config YAML. `source` names the input in error messages. */
export function parseConfigText(text: string, source: string, options: ParseConfigOptions = {}): ChuanliuConfig {
  const file = validateYaml(text, source, configFileSchema);
  const resolvePath = (path: string): string =>
    options.baseDir === undefined || isAbsolute(path) ? path : resolve(options.baseDir, path);

  const online: OnlineWorkload[] = file.online.map((workload) =>
    workload.demand?.kind === 'csv' ? { ...workload, demand: { ...workload.demand, path: resolvePath(workload.demand.path) } } : workload);
  const workloads = [...online, ...file.offline];

  const quantiles = [...new Set([
    ...file.forecast.quantiles, ...online.map((workload) => workload.demandQuantile), file.guard.bandQuantile,
  ])].sort((a, b) => a - b);

  const elasticProvisioningMs = file.nodePools
    .map((pool) => pool.elastic?.provisioningMs)
    .filter((ms): ms is number => ms !== undefined);
  const nodeProvisioningMs = file.planning.nodeProvisioning
    ?? (elasticProvisioningMs.length > 0 ? Math.max(...elasticProvisioningMs) : undefined);

  return {
    source,
    inventory: { online, offline: file.offline, nodePools: file.nodePools },
    ...(file.calendar !== undefined ? { calendarPath: resolvePath(file.calendar) } : {}),
    planning: {
      slotMs: file.planning.slot,
      horizonMs: file.planning.horizon,
      applyLatencyMs: file.planning.applyLatency,
      scaleInStabilizationMs: file.planning.scaleInStabilization,
      ...(nodeProvisioningMs !== undefined ? { nodeProvisioningMs } : {}),
    },
    forecast: { quantiles, bucketMs: file.forecast.bucket, historyMs: file.forecast.history, refitEveryMs: file.forecast.refitEvery },
    guard: {
      bandQuantile: file.guard.bandQuantile,
      consecutiveSamples: file.guard.consecutiveSamples,
      sampleIntervalMs: file.guard.sampleInterval,
      headroomFactor: file.guard.headroomFactor,
      toleranceFraction: file.guard.tolerance,
      coolDownMs: file.guard.coolDown,
      stabilizationMs: file.guard.stabilization,
      trendHorizonMs: file.guard.trendHorizon,
    },
    controller: {
      namespaces: file.controller.namespaces ?? [...new Set(workloads.map((workload) => workload.ref.namespace))].sort(),
      ...(file.controller.maxStepReplicas !== undefined ? { maxStepReplicas: file.controller.maxStepReplicas } : {}),
      dataFreshness: { maxSampleAgeMs: file.controller.dataFreshness.maxSampleAge, checkEveryMs: file.controller.dataFreshness.checkEvery },
    },
  };
}

/** Reads a config file; a missing or unreadable file is bad input (exit 2) naming the path. */
export async function loadConfigFile(path: string): Promise<ChuanliuConfig> {
  const text = await readInputFile(path, 'config');
  return parseConfigText(text, path, { baseDir: dirname(resolve(path)) });
}

/** Reads a user-named input file, turning "not found" and friends into an InputError. */
export async function readInputFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR') {
      const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder' : code === 'EACCES' ? 'permission denied' : 'not a path to a file';
      throw new InputError(`cannot read the ${what} file: ${reason}`, { source: path });
    }
    throw error;
  }
}
