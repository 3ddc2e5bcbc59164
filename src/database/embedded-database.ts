import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, WriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataDirLock } from './data-dir-lock';
import { SqliteSynchronous, startFerretDb } from './ferretdb-process';
import { identify } from './process-identity';

export interface RestartPolicy {
  /** Consecutive failed restarts after which the database is given up ('failed'). */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** A database that ran this long before dying starts a fresh series of attempts. */
  stableAfterMs: number;
}

export interface EmbeddedDatabaseOptions {
  /** FerretDB binary; defaults to the one `npm run db:install` builds. */
  binary?: string;
  /** Folder for the SQLite files, the FerretDB log and the lock file. */
  dataDir: string;
  /** Loopback port; 0 or omitted: a free one chosen by the system, kept across restarts. */
  port?: number;
  /** When a commit is durable; `normal` (the default) or `full` (see SqliteSynchronous). */
  synchronous?: SqliteSynchronous;
  startTimeoutMs?: number;
  restart?: Partial<RestartPolicy>;
}

export interface EmbeddedDatabaseEvents {
  /** The database process died; restarts are scheduled. */
  down: [reason: string];
  /** The database answers again after `attempts` restarts. */
  up: [attempts: number];
  /** It could not be brought back; the owner should exit. */
  failed: [error: Error];
}

export const DEFAULT_FERRETDB_BIN = resolve(__dirname, '..', '..', '.cache', 'bin', 'ferretdb');

export const DEFAULT_RESTART_POLICY: RestartPolicy = { attempts: 6, initialDelayMs: 200, maxDelayMs: 5_000, stableAfterMs: 30_000 };

export const NO_DATABASE_HINT =
  'No database available: set MONGODB_URI to a MongoDB server, run `npm run db:install` to install the embedded database (FerretDB), or start MongoDB with `docker compose up -d mongo`.';

type State = 'stopped' | 'up' | 'restarting' | 'failed';

/**
 * Runs FerretDB v1 (SQLite backend) as a supervised child process on a loopback port, so
 * the service works with no MongoDB installed: one per data folder (a lock file), restarted
 * with backoff when it dies. Plain class: the app, `npm run db:serve`, the seed script and
 * the test harness all start the database through it.
 */
export class EmbeddedDatabase extends EventEmitter<EmbeddedDatabaseEvents> {
  private readonly policy: RestartPolicy;
  private state: State = 'stopped';
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private log?: WriteStream;
  private lock?: DataDirLock;
  private port?: number;
  private upSince = 0;
  private attempts = 0;
  private nextAttemptAt = 0;
  private restartTimer?: NodeJS.Timeout;
  private restarting?: Promise<void>;
  private lastError?: Error;
  /** However this process exits (a failed shutdown included), the database and the lock go with it. */
  private readonly cleanUpOnExit = () => {
    this.child?.kill('SIGTERM');
    this.lock?.release();
  };

  constructor(private readonly options: EmbeddedDatabaseOptions) {
    super();
    this.policy = { ...DEFAULT_RESTART_POLICY, ...options.restart };
  }

  get uri(): string {
    if (!this.port) throw new Error('embedded database is not running');
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  /** True while the database process runs and accepts connections. */
  get available(): boolean {
    return this.state === 'up';
  }

  /** The FerretDB process id while it runs. */
  get pid(): number | undefined {
    return this.state === 'up' ? this.child?.pid : undefined;
  }

  /** How long a client should wait before trying again while the database is being restarted. */
  retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000) + 1);
  }

  /** Takes the data folder, starts FerretDB and resolves with its URI once it accepts connections. */
  async start(): Promise<string> {
    if (this.state === 'up') return this.uri;
    if (this.state !== 'stopped') throw new Error(`embedded database is ${this.state}`);
    const binary = this.options.binary ?? DEFAULT_FERRETDB_BIN;
    if (!existsSync(binary)) throw new Error(`${NO_DATABASE_HINT} (no FerretDB binary at ${binary})`);

    const dataDir = resolve(this.options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.lock = await DataDirLock.acquire(dataDir);
    process.once('exit', this.cleanUpOnExit);
    try {
      await this.spawn(dataDir, binary);
    } catch (error) {
      this.lock.release();
      this.lock = undefined;
      process.off('exit', this.cleanUpOnExit);
      throw new Error(`embedded database: ${(error as Error).message}; see ${join(dataDir, 'ferretdb.log')}`, { cause: error });
    }
    this.attempts = 0;
    this.state = 'up';
    return this.uri;
  }

  async stop(): Promise<void> {
    this.state = 'stopped';
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    // A restart in flight finishes first; its process is then stopped below.
    await this.restarting;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await this.exited;
      clearTimeout(killer);
    }
    this.child = undefined;
    this.lock?.release();
    this.lock = undefined;
    process.off('exit', this.cleanUpOnExit);
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.log?.end();
    this.log = undefined;
  }

  private async spawn(dataDir: string, binary: string): Promise<void> {
    this.log ??= createWriteStream(join(dataDir, 'ferretdb.log'), { flags: 'a' });
    const { child, port } = await startFerretDb({
      binary,
      dataDir,
      port: this.port ?? this.options.port ?? 0,
      log: this.log,
      synchronous: this.options.synchronous ?? 'normal',
      startTimeoutMs: this.options.startTimeoutMs ?? 15_000,
    });
    this.port = port;
    this.child = child;
    this.upSince = Date.now();
    this.lock?.setDatabase(identify(child.pid!), this.uri);
    this.exited = new Promise((done) =>
      child.once('exit', (code, signal) => {
        // The pipe only told the child that this process is alive; an open handle would keep this one alive.
        child.stdin?.destroy();
        done();
        this.onExit(child, signal ?? `code ${code}`);
      }),
    );
  }

  private onExit(child: ChildProcess, how: string): void {
    if (child !== this.child || this.state !== 'up') return;
    this.child = undefined;
    this.lock?.setDatabase(null);
    if (Date.now() - this.upSince >= this.policy.stableAfterMs) this.attempts = 0;
    this.state = 'restarting';
    this.emit('down', `FerretDB exited (${how})`);
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.attempts >= this.policy.attempts) {
      this.state = 'failed';
      const cause = this.lastError ? `: ${this.lastError.message}` : '';
      this.emit('failed', new Error(`the embedded database could not be restarted after ${this.attempts} attempts${cause}`));
      return;
    }
    const delay = Math.min(this.policy.initialDelayMs * 2 ** this.attempts, this.policy.maxDelayMs);
    this.attempts++;
    this.nextAttemptAt = Date.now() + delay;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarting = this.restart().finally(() => (this.restarting = undefined));
    }, delay);
  }

  private async restart(): Promise<void> {
    try {
      await this.spawn(resolve(this.options.dataDir), this.options.binary ?? DEFAULT_FERRETDB_BIN);
    } catch (error) {
      this.lastError = error as Error;
      if (this.state === 'restarting') this.scheduleRestart();
      return;
    }
    // Stopped meanwhile: stop() waits for this restart and then ends the new process.
    if (this.state !== 'restarting') return;
    this.state = 'up';
    this.emit('up', this.attempts);
  }
}
