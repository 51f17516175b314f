/**
 * A kubeconfig pointing at kube-api, for kubectl (`export KUBECONFIG=…`) and client-node
 * (`KubeConfig.loadFromFile`). kube-api does not authenticate; the token only satisfies clients
 * that insist on credentials.
 */
import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

export interface KubeconfigOptions {
  readonly url: string;
  /** @defaultValue 'chuanliu-kube-api' */
  readonly contextName?: string;
  /** Namespace kubectl uses without -n. @defaultValue 'default' */
  readonly namespace?: string;
}

export function kubeconfigYaml(options: KubeconfigOptions): string {
  const name = options.contextName ?? 'chuanliu-kube-api';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': name,
    // client-node refuses plain http unless TLS verification is off; kube-api is loopback-only.
    clusters: [{ name, cluster: { server: options.url, 'insecure-skip-tls-verify': true } }],
    users: [{ name, user: { token: 'kube-api-does-not-check-tokens' } }],
    contexts: [{ name, context: { cluster: name, user: name, namespace: options.namespace ?? 'default' } }],
  });
}

export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await writeFile(path, kubeconfigYaml(options), { mode: 0o600 });
}
