/**
 * One control-plane process (etcd, kube-apiserver, …): its whole output goes to a log file in the
 * cluster's folder (printed on failure), the last lines are kept in memory, and it can be stopped
 * (SIGTERM, then SIGKILL), killed (-9) and started again with the same arguments.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export class ControlPlaneComponent {
  private child: ChildProcess | undefined;
  private exitPromise: Promise<void> = Promise.resolve();
  private tail = '';
  private readonly log: WriteStream;
  private starts = 0;
  private exitNote: string | undefined;

  constructor(
    readonly name: string,
    private readonly binary: string,
    private readonly args: readonly string[],
    private readonly directory: string,
    /** Extra environment on top of this process's (e.g. KUBECONFIG for a component that reads no flag for it). */
    private readonly env: Readonly<Record<string, string>> = {},
  ) {
    this.log = createWriteStream(join(directory, `${name}.log`), { flags: 'a' });
  }

  get logPath(): string {
    return join(this.directory, `${this.name}.log`);
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Why it is not running, if it exited by itself. */
  exitReason(): string | undefined {
    return this.exitNote;
  }

  start(): void {
    if (this.running()) throw new Error(`${this.name} is already running`);
    this.starts += 1;
    this.exitNote = undefined;
    this.log.write(`\n=== start #${this.starts}: ${this.binary} ${this.args.join(' ')}\n`);
    const child = spawn(this.binary, this.args, { cwd: this.directory, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer): void => {
      this.log.write(chunk);
      this.tail = (this.tail + chunk.toString('utf8')).slice(-6_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitNote = `exited with ${signal ?? `code ${code}`}`;
        this.log.write(`=== ${this.name} ${this.exitNote}\n`);
        resolve();
      });
      child.once('error', (error) => {
        this.exitNote = `could not start: ${error.message}`;
        resolve();
      });
    });
  }

  /** SIGKILL, as a crashed or OOM-killed process: no cleanup of its own. */
  async kill(): Promise<void> {
    if (!this.running()) return;
    this.child?.kill('SIGKILL');
    await this.exitPromise;
  }

  async stop(graceMs = 5_000): Promise<void> {
    if (!this.running()) return;
    this.child?.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  outputTail(): string {
    return this.tail;
  }

  async close(): Promise<void> {
    await this.stop();
    await new Promise<void>((resolve) => this.log.end(resolve));
  }
}
