/**
 * `chuanliu placeholders --config <file>`: the Kubernetes objects that pre-provision the config's
 * elastic pools (`elastic.placeholders`), as YAML for `kubectl apply -f -`: namespaces, the
 * PriorityClass, the controller's Role there and one placeholder Deployment per pool, sized and
 * named as configured. The controller then scales the Deployments; nothing else changes them.
 */
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { placeholderManifests } from '../adapters/kubernetes/placeholder-manifests.ts';
import { loadConfigFile } from '../config/load-config.ts';
import { InputError } from '../domain/errors.ts';

interface PlaceholdersFlags {
  config: string;
  serviceAccount: string;
}

export function registerPlaceholdersCommand(program: Command): void {
  program.command('placeholders')
    .description('Print the Kubernetes objects that pre-provision the elastic pools with placeholder pods (kubectl apply -f -)')
    .requiredOption('--config <yaml>', 'chuanliu config (node pools with elastic.placeholders)')
    .option('--service-account <namespace/name>', 'the controller\'s ServiceAccount, bound to the Role in the placeholder namespaces', 'chuanliu-system/chuanliu')
    .action(async (flags: PlaceholdersFlags) => {
      const [namespace, name, ...rest] = flags.serviceAccount.split('/');
      if (namespace === undefined || name === undefined || namespace === '' || name === '' || rest.length > 0) {
        throw new InputError(`expected <namespace>/<name>, got "${flags.serviceAccount}"`, { source: '--service-account' });
      }
      const config = await loadConfigFile(flags.config);
      const objects = placeholderManifests(config.inventory.nodePools, { namespace, name });
      if (objects.length === 0) {
        throw new InputError('no node pool has elastic.placeholders: nothing to pre-provision (add `placeholders: {}` under a pool\'s `elastic`)', { source: flags.config, field: 'nodePools' });
      }
      process.stdout.write(objects.map((object) => stringify(object)).join('---\n'));
    });
}
