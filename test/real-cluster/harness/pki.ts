/**
 * The certificates and keys of one throw-away loopback cluster, made with the openssl command line:
 * a CA, kube-apiserver's serving certificate (127.0.0.1 and the in-cluster names), an admin client
 * certificate (group system:masters: the harness's own identity, never the controller's) and the
 * service-account signing key pair that TokenRequest signs with. ECDSA P-256 keys: generated in
 * milliseconds, accepted by every component. Valid for one day; each cluster has its own.
 */
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ClusterPki {
  readonly caCertPath: string;
  readonly caKeyPath: string;
  readonly servingCertPath: string;
  readonly servingKeyPath: string;
  readonly serviceAccountKeyPath: string;
  readonly serviceAccountPublicKeyPath: string;
  /** PEM contents, for kubeconfigs with embedded data. */
  readonly caCertPem: string;
  readonly adminCertPem: string;
  readonly adminKeyPem: string;
}

async function openssl(args: readonly string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args as string[], { cwd });
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`openssl ${args[0]} failed in ${cwd} (is openssl installed? apt-get install openssl): ${detail}`);
  }
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function signedCertificate(options: {
  readonly directory: string;
  readonly name: string;
  readonly subject: string;
  readonly extensions: string;
}): Promise<{ certPath: string; keyPath: string }> {
  const { directory, name } = options;
  const keyPath = join(directory, `${name}.key`);
  const certPath = join(directory, `${name}.crt`);
  const csrPath = join(directory, `${name}.csr`);
  const extPath = join(directory, `${name}.ext`);
  await writeFile(extPath, options.extensions);
  await openssl(['req', ...EC_KEY, '-keyout', keyPath, '-out', csrPath, '-subj', options.subject], directory);
  await openssl(['x509', '-req', '-in', csrPath, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', certPath, '-days', '1', '-extfile', extPath], directory);
  return { certPath, keyPath };
}

export async function createClusterPki(directory: string): Promise<ClusterPki> {
  await openssl(['req', '-x509', ...EC_KEY, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=chuanliu-test-cluster-ca'], directory);
  const serving = await signedCertificate({
    directory,
    name: 'apiserver',
    subject: '/CN=kube-apiserver',
    extensions: [
      'basicConstraints=CA:FALSE',
      'keyUsage=digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
      '',
    ].join('\n'),
  });
  const admin = await signedCertificate({
    directory,
    name: 'admin',
    subject: '/O=system:masters/CN=chuanliu-test-admin',
    extensions: 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  });
  const serviceAccountKeyPath = join(directory, 'service-account.key');
  const serviceAccountPublicKeyPath = join(directory, 'service-account.pub');
  await openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', serviceAccountKeyPath], directory);
  await openssl(['ec', '-in', serviceAccountKeyPath, '-pubout', '-out', serviceAccountPublicKeyPath], directory);
  return {
    caCertPath: join(directory, 'ca.crt'),
    caKeyPath: join(directory, 'ca.key'),
    servingCertPath: serving.certPath,
    servingKeyPath: serving.keyPath,
    serviceAccountKeyPath,
    serviceAccountPublicKeyPath,
    caCertPem: await readFile(join(directory, 'ca.crt'), 'utf8'),
    adminCertPem: await readFile(admin.certPath, 'utf8'),
    adminKeyPem: await readFile(admin.keyPath, 'utf8'),
  };
}
