/**
 * kube-api assembled: store + API + HTTP server + a cluster bridge (the self-sufficient emulation
 * unless another bridge is given). This is what the CLI, the tests and the e2e harness start.
 */
import type { Clock } from '../ports/clock.ts';
import type { ClusterBridge } from './bridge.ts';
import { ClusterEmulation } from './emulation/cluster-emulation.ts';
import { FaultInjector, type FaultRule } from './faults.ts';
import { kubeconfigYaml, writeKubeconfig } from './kubeconfig.ts';
import { ensureBaseNamespaces, seedObjects, type LocatedObject } from './objects-file.ts';
import { RequestLog } from './request-log.ts';
import { KubeApiServer } from './server.ts';
import { ObjectStore, type KubeObject } from './store.ts';

export interface KubeApiOptions {
  readonly clock: Clock;
  /** 0 (default) picks a free port. Always bound to 127.0.0.1. */
  readonly port?: number;
  /** Objects to create before serving (namespaces they use are created too). */
  readonly objects?: readonly (KubeObject | LocatedObject)[];
  /** What plays the cluster; default: `new ClusterEmulation({ clock, podStartupMs })`. */
  readonly bridge?: ClusterBridge;
  /** Startup delay of pods in the default emulation, ms. @defaultValue 0 */
  readonly podStartupMs?: number;
  readonly faultRules?: readonly FaultRule[];
  /** Seed of the fault injector's RNG. @defaultValue 1 */
  readonly seed?: number;
}

export interface RunningKubeApi {
  readonly url: string;
  readonly server: KubeApiServer;
  readonly store: ObjectStore;
  readonly bridge: ClusterBridge;
  readonly requestLog: RequestLog;
  readonly faults: FaultInjector;
  /** A kubeconfig (YAML text) for this server. */
  kubeconfig(): string;
  writeKubeconfig(path: string): Promise<void>;
  close(): Promise<void>;
}

export async function startKubeApi(options: KubeApiOptions): Promise<RunningKubeApi> {
  const store = new ObjectStore({ clock: options.clock });
  const faults = new FaultInjector({ seed: options.seed ?? 1, rules: options.faultRules ?? [] });
  const requestLog = new RequestLog();
  const server = new KubeApiServer({ clock: options.clock, store, faults, requestLog });
  ensureBaseNamespaces(server.api);
  if (options.objects) seedObjects(server.api, options.objects.map((item) => ('source' in item && 'object' in item ? (item as LocatedObject) : { object: item as KubeObject, source: 'objects', line: 0 })));
  const bridge = options.bridge ?? new ClusterEmulation({ clock: options.clock, podStartupMs: options.podStartupMs ?? 0 });
  // Listen first: when the port is taken, nothing has started yet, so no emulation or simulation
  // timer keeps a failed `chuanliu kube-api` process alive after it reported the error.
  const url = await server.listen(options.port ?? 0);
  bridge.start(store);
  return {
    url,
    server,
    store,
    bridge,
    requestLog,
    faults,
    kubeconfig: () => kubeconfigYaml({ url }),
    writeKubeconfig: (path) => writeKubeconfig(path, { url }),
    close: async () => {
      bridge.stop();
      await server.close();
    },
  };
}
