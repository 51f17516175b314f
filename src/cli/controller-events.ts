/**
 * The controller's Kubernetes Events and pause switch, built for `chuanliu controller` (and
 * `reconcile`): one correlating recorder writing core/v1 Events with the controller's credentials,
 * its drops logged and counted (chuanliu_events_dropped_total), and the operators' controls in the
 * controller's namespace.
 *
 * Events about the controller itself (ConfigReloadFailed, Paused, Resumed) go on
 * configmap/chuanliu-controls in that namespace — the object operators steer it with — so
 * `kubectl describe cm chuanliu-controls -n chuanliu-system` tells them.
 */
import { readFileSync } from 'node:fs';
import type { KubeConfig } from '@kubernetes/client-node';
import { CorrelatingEventRecorder, type DropReason } from '../adapters/events/correlating-recorder.ts';
import { KubernetesEventSink } from '../adapters/kubernetes/kubernetes-events.ts';
import { DEFAULT_CONTROLLER_NAMESPACE, KubernetesOperatorControls } from '../adapters/kubernetes/operator-controls.ts';
import type { Logger } from '../adapters/logger.ts';
import type { ControllerMetrics } from '../adapters/metrics/controller-metrics.ts';
import { systemClock } from '../kube-api/system-clock.ts';
import type { EventObjectRef, ObjectEvent } from '../ports/events.ts';
import type { ReloadReport } from '../runtime/planning-source/planning-source.ts';

const SERVICE_ACCOUNT_NAMESPACE_FILE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

/** --controller-namespace, else POD_NAMESPACE, else the pod's service account namespace, else chuanliu-system. */
export function controllerNamespace(flag: string | undefined): string {
  if (flag !== undefined) return flag;
  const fromEnv = process.env['POD_NAMESPACE'];
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
  try {
    return readFileSync(SERVICE_ACCOUNT_NAMESPACE_FILE, 'utf8').trim() || DEFAULT_CONTROLLER_NAMESPACE;
  } catch {
    return DEFAULT_CONTROLLER_NAMESPACE;
  }
}

export interface ControllerEvents {
  readonly recorder: CorrelatingEventRecorder;
  readonly controls: KubernetesOperatorControls;
  /** Waits (briefly) for queued Events, then closes the connections. */
  close(): Promise<void>;
}

export function controllerEventsFor(options: { kubeConfig: KubeConfig; holder: string; metrics?: ControllerMetrics; logger: Logger; namespace?: string }): ControllerEvents {
  const sink = new KubernetesEventSink({ kubeConfig: options.kubeConfig, reportingInstance: options.holder });
  const recorder = new CorrelatingEventRecorder({
    sink,
    clock: systemClock,
    onDropped: (reason: DropReason, event: ObjectEvent, error?: string) => {
      options.metrics?.onEventDropped(reason);
      const what = `${event.reason} on ${event.regarding.kind}/${event.regarding.namespace ?? ''}/${event.regarding.name}`;
      // Rate-limited drops are the spam filter doing its job: debug; a failed write is worth a warning.
      if (reason === 'rate-limited') options.logger.debug({ reason }, `Event dropped (${reason}): ${what}`);
      else options.logger.warn({ reason }, `Event not written (${reason}): ${what}${error !== undefined ? `: ${error}` : ''}`);
    },
  });
  const controls = new KubernetesOperatorControls({ kubeConfig: options.kubeConfig, namespace: controllerNamespace(options.namespace) });
  return {
    recorder,
    controls,
    close: async () => {
      const abort = new AbortController();
      await Promise.race([recorder.idle(), systemClock.sleep(5_000, { signal: abort.signal }).catch(() => undefined)]);
      abort.abort();
      sink.close();
      controls.close();
    },
  };
}

/** A reload's failures and refused PeakEvents as Events (the recorder folds the 5 s repeats). */
export function reloadEvents(report: ReloadReport, controllerObject: EventObjectRef): ObjectEvent[] {
  const events: ObjectEvent[] = [];
  for (const failure of report.failures) {
    events.push({ regarding: controllerObject, type: 'Warning', reason: 'ConfigReloadFailed', action: 'Reload', note: `${failure.part}: ${failure.message}` });
  }
  for (const refused of report.refusedEvents) {
    events.push({
      regarding: { apiVersion: 'chuanliu.io/v1alpha1', kind: 'PeakEvent', namespace: refused.namespace, name: refused.name },
      type: 'Warning', reason: 'PeakEventRefused', action: 'Refuse', note: refused.message,
    });
  }
  return events;
}
