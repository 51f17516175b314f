/**
 * Where the Kubernetes adapter finds its cluster: a kubeconfig file (optionally a named context),
 * the default chain (KUBECONFIG, ~/.kube/config, then the in-cluster service account), or the
 * in-cluster service account explicitly (the controller's Deployment and CronJob).
 */
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError, RuntimeFailure } from '../../domain/errors.ts';

export type KubeconfigSource =
  | { readonly kind: 'default'; readonly context?: string }
  | { readonly kind: 'file'; readonly path: string; readonly context?: string }
  /** `pathPrefix` relocates /var/run/secrets/kubernetes.io/serviceaccount (tests). */
  | { readonly kind: 'in-cluster'; readonly pathPrefix?: string };

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

function useContext(config: KubeConfig, context: string | undefined, source: string): void {
  if (context === undefined) return;
  if (!config.getContextObject(context)) {
    const known = config.getContexts().map((candidate) => candidate.name);
    throw new InputError(`context "${context}" not found; known contexts: ${known.join(', ') || 'none'}`, { source, field: 'context' });
  }
  config.setCurrentContext(context);
}

export function loadKubeConfig(source: KubeconfigSource, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const config = new KubeConfig();
  switch (source.kind) {
    case 'file': {
      if (!existsSync(source.path)) throw new InputError('kubeconfig file not found', { source: source.path });
      try {
        config.loadFromFile(source.path);
      } catch (error) {
        throw new InputError(`not a valid kubeconfig: ${(error as Error).message}`, { source: source.path });
      }
      useContext(config, source.context, source.path);
      break;
    }
    case 'default':
      try {
        config.loadFromDefault();
      } catch (error) {
        throw new InputError(`cannot load the default kubeconfig: ${(error as Error).message}`, { source: env['KUBECONFIG'] ?? '~/.kube/config' });
      }
      useContext(config, source.context, env['KUBECONFIG'] ?? '~/.kube/config');
      break;
    case 'in-cluster': {
      const prefix = source.pathPrefix ?? '';
      if (!env['KUBERNETES_SERVICE_HOST'] || !env['KUBERNETES_SERVICE_PORT']) {
        throw new RuntimeFailure('not running inside a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set');
      }
      if (!existsSync(`${prefix}${SERVICE_ACCOUNT_DIR}/token`)) {
        throw new RuntimeFailure(`no service account token at ${prefix}${SERVICE_ACCOUNT_DIR}/token (is automountServiceAccountToken off?)`);
      }
      config.loadFromCluster(prefix);
      break;
    }
  }
  if (!config.getCurrentCluster()) throw new InputError('the kubeconfig names no cluster for the current context', { source: source.kind === 'file' ? source.path : source.kind });
  return config;
}
