/**
 * `chuanliu kube-api` as a person runs it: a real process that prints `export KUBECONFIG=…`,
 * answers kubectl, writes its request log, stops cleanly on SIGTERM, and rejects bad input with
 * exit code 2 and the file, line or flag named.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBinary } from './helpers/process.ts';

const run = promisify(execFile);
const tsx = join(process.cwd(), 'node_modules', '.bin', 'tsx');
let directory: string;

const objectsYaml = `apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {chuanliu.io/pool: general}}
status:
  allocatable: {cpu: "8", memory: 32Gi}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: checkout, namespace: shop, labels: {chuanliu.io/managed: "true"}}
spec:
  replicas: 3
  selector: {matchLabels: {app: checkout}}
  template:
    metadata: {labels: {app: checkout}}
    spec: {containers: [{name: app, image: checkout:1, resources: {requests: {cpu: 500m}}}]}
`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'chuanliu-kube-api-cli-'));
  await writeFile(join(directory, 'objects.yaml'), objectsYaml);
});

afterAll(async () => {
  if (directory) await rm(directory, { recursive: true, force: true });
});

async function chuanliu(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['src/main.ts', ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code: number; stdout: string; stderr: string };
    return { code: failure.code, stdout: failure.stdout, stderr: failure.stderr };
  }
}

describe('chuanliu kube-api', () => {
  it('serves the objects to kubectl, logs requests, and stops cleanly on SIGTERM', async () => {
    const kubectl = requireBinary('kubectl', 'install kubectl and put it on PATH');
    const kubeconfig = join(directory, 'kubeconfig');
    const requestLog = join(directory, 'requests.jsonl');
    const child = spawn(tsx, ['src/main.ts', 'kube-api', '--objects', join(directory, 'objects.yaml'), '--kubeconfig', kubeconfig, '--request-log', requestLog], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 30_000;
      while (!stdout.includes('\n') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(stdout).toBe(`export KUBECONFIG=${kubeconfig}\n`);
      expect(stderr).toMatch(/kube-api listening on http:\/\/127\.0\.0\.1:\d+ \(2 objects seeded/);
      const { stdout: table } = await run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', join(directory, 'cache'), 'get', 'deploy', '-n', 'shop'], { timeout: 30_000 });
      expect(table).toMatch(/^checkout\s+\d\/3\s+3\s+\d\s+\d+s$/m);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stderr).toContain('kube-api stopped');
    const logged = (await readFile(requestLog, 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { method: string; path: string; status: number });
    expect(logged).toContainEqual(expect.objectContaining({ method: 'GET', path: '/apis/apps/v1/namespaces/shop/deployments', status: 200 }));
  });

  it.each([
    { name: 'a port that is not a number', args: ['--port', 'http'], message: /--port: "http" is not a port/ },
    { name: 'a missing objects file', args: ['--objects', 'no/such/file.yaml'], message: /no\/such\/file\.yaml: cannot read/ },
    { name: 'a bad duration', args: ['--pod-startup', '30'], message: /--pod-startup: "30" is not a duration/ },
    { name: 'an unknown engine', args: ['--engine', 'k3s'], message: /--engine: "k3s" is not one of emulation, simulation/ },
    { name: 'the simulation engine without a scenario', args: ['--engine', 'simulation'], message: /--engine: --engine simulation needs --scenario/ },
  ])('rejects $name with exit code 2', async ({ args, message }) => {
    const result = await chuanliu('kube-api', ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
  });

  it('names the file and line of an object kube-api cannot serve', async () => {
    const path = join(directory, 'bad.yaml');
    await writeFile(path, `${objectsYaml}---\napiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n`);
    const result = await chuanliu('kube-api', '--objects', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}, line 19, field kind: kube-api does not serve Widget in example.com/v1`);
  });
});
