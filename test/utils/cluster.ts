import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mongoose, { Connection } from 'mongoose';
import request from 'supertest';
import type { HttpTarget } from './auth';
import { track, untrack } from './child-processes';
import { clearDatabase } from './create-test-app';
import { startRedisServer, RedisServer } from './redis-server';

/*
 * The multi-instance harness: a real redis-server, N processes of the built
 * service (dist/main.js, rebuilt when src/ changed) and one shared database
 * (the e2e global setup's embedded database, a database name per cluster).
 * Each instance logs to its own file (`instance.logFile`, printed by
 * `instance.logs()`); everything is stopped by `cluster.close()` and, should a
 * suite die first, when the test process exits.
 */

const ROOT = resolve(__dirname, '..', '..');
const ENTRY = join(ROOT, 'dist', 'main.js');
const BUILD_STAMP = join(ROOT, '.cache', 'cluster-build.stamp');
const BUILD_LOCK = join(ROOT, '.cache', 'cluster-build.lock');

export const CLUSTER_JWT_SECRET = 'cluster-jwt-signing-key-0123456789abcdef01234567';
export const CLUSTER_SERVICE_KEY = 'cluster-service-api-key-0123456789';
export const CLUSTER_SERVICE_HEADERS = { 'X-API-Key': CLUSTER_SERVICE_KEY };

export interface ClusterOptions {
  /** Number of instances (default 2). */
  instances?: number;
  /** Variables for every instance, over the harness defaults. */
  env?: Record<string, string>;
  /** Start the instances without REDIS_URL (default false): a split-brain baseline. */
  withoutRedis?: boolean;
}

export interface Instance {
  /** INSTANCE_ID: `i0`, `i1`, … (stable across restarts). */
  readonly id: string;
  /** `http://127.0.0.1:<port>`; the port changes when the instance is restarted. */
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly running: boolean;
  readonly logFile: string;
  http(): ReturnType<typeof request>;
  /** SIGTERM and wait for a clean exit. */
  stop(): Promise<number | null>;
  /** SIGKILL: no shutdown hook runs, as when a host dies. */
  kill(): Promise<void>;
  /** Starts it again (after stop or kill) with the same id and environment. */
  start(): Promise<void>;
  /** The instance's log so far (for failure messages). */
  logs(): string;
}

export interface Cluster {
  readonly instances: Instance[];
  readonly redis: RedisServer;
  /** The shared database: its URI, its name, and a connection for direct checks. */
  readonly mongoUri: string;
  readonly dbName: string;
  readonly connection: Connection;
  /** Instance `index` as a target of the test/utils/auth helpers (`loginAs(cluster.on(1))` signs up and logs in there). */
  on(index: number): HttpTarget;
  clearDatabase(): Promise<void>;
  close(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const mongoUri = process.env.TEST_MONGODB_URI ?? process.env.MONGODB_URI;
  if (!mongoUri) throw new Error('startCluster needs TEST_MONGODB_URI (the e2e global setup sets it)');
  await ensureBuilt();

  const dbName = `cluster_${process.env.JEST_WORKER_ID ?? '1'}_${randomBytes(4).toString('hex')}`;
  const workDir = mkdtempSync(join(tmpdir(), 'rt-cluster-'));
  const redis = await startRedisServer();
  const instances: ManagedInstance[] = [];
  try {
    for (let i = 0; i < (options.instances ?? 2); i++) {
      instances.push(
        new ManagedInstance(`i${i}`, workDir, () => ({
          ...baseEnv(mongoUri, dbName, workDir),
          ...(options.withoutRedis ? {} : { REDIS_URL: redis.url }),
          ...options.env,
        })),
      );
    }
    await Promise.all(instances.map((instance) => instance.start()));
  } catch (error) {
    await Promise.all(instances.map((instance) => instance.kill()));
    await redis.close();
    throw error;
  }
  const connection = await mongoose.createConnection(mongoUri, { dbName }).asPromise();

  return {
    instances,
    redis,
    mongoUri,
    dbName,
    connection,
    on: (index) => ({ http: () => instances[index].http(), connection }),
    clearDatabase: () => clearDatabase(connection),
    close: async () => {
      await Promise.all(instances.map((instance) => instance.kill()));
      await redis.close();
      await connection.dropDatabase().catch(() => undefined);
      await connection.close();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}

function baseEnv(mongoUri: string, dbName: string, workDir: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_CLUSTER_LOG_LEVEL ?? 'info',
    HOST: '127.0.0.1',
    PORT: '0',
    MONGODB_URI: mongoUri,
    MONGODB_DB: dbName,
    DATA_DIR: join(workDir, 'data'),
    JWT_SECRET: CLUSTER_JWT_SECRET,
    SERVICE_API_KEY: CLUSTER_SERVICE_KEY,
    THROTTLE_LIMIT: '100000',
    AUTH_THROTTLE_LIMIT: '100000',
    SWAGGER_ENABLED: 'false',
  };
}

class ManagedInstance implements Instance {
  readonly logFile: string;
  private child: ChildProcess | null = null;
  private currentPort = 0;

  constructor(
    readonly id: string,
    workDir: string,
    private readonly env: () => Record<string, string>,
  ) {
    this.logFile = join(workDir, `${id}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.currentPort}`;
  }
  get port(): number {
    return this.currentPort;
  }
  get pid(): number | undefined {
    return this.child?.pid;
  }
  get running(): boolean {
    return this.child !== null;
  }

  http(): ReturnType<typeof request> {
    return request(this.url);
  }

  logs(): string {
    return existsSync(this.logFile) ? readFileSync(this.logFile, 'utf8') : '';
  }

  async start(): Promise<void> {
    if (this.child) throw new Error(`instance ${this.id} is already running`);
    await waitForBuildLock();
    const log = openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [ENTRY], {
      cwd: ROOT,
      env: { ...this.env(), INSTANCE_ID: this.id },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    track(child);
    this.child = child;
    child.once('exit', () => {
      if (this.child === child) this.child = null;
    });
    try {
      this.currentPort = await reportedPort(child, 60_000);
      await this.untilHealthy(child);
    } catch (error) {
      await this.kill();
      throw new Error(`instance ${this.id} did not start: ${(error as Error).message}\n--- ${this.logFile} ---\n${this.logs().slice(-4000)}`, { cause: error });
    }
  }

  async stop(): Promise<number | null> {
    const child = this.child;
    if (!child) return null;
    return new Promise((resolveExit) => {
      child.once('exit', (code) => {
        untrack(child);
        resolveExit(code);
      });
      child.kill('SIGTERM');
    });
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolveExit) => {
      child.once('exit', () => resolveExit());
      child.kill('SIGKILL');
    });
    untrack(child);
  }

  private async untilHealthy(child: ChildProcess): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}`);
      try {
        if ((await fetch(`${this.url}/health`)).ok) return;
      } catch {
        // not answering yet
      }
      await new Promise((wake) => setTimeout(wake, 50));
    }
    throw new Error('no healthy answer within 30 s');
  }
}

/** The port the instance reports over IPC once listening (main.ts), so PORT=0 works without a racy free-port probe. */
function reportedPort(child: ChildProcess, ms: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`no port reported within ${ms} ms`)), ms);
    const exited = (code: number | null) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before listening`));
    };
    child.once('exit', exited);
    child.once('message', (message: { listening?: number }) => {
      clearTimeout(timer);
      child.off('exit', exited);
      child.disconnect();
      if (typeof message.listening === 'number') resolvePort(message.listening);
      else reject(new Error(`unexpected message ${JSON.stringify(message)}`));
    });
  });
}

/**
 * Builds dist/ when any source is newer than the last harness build. Parallel
 * jest workers (and helpers sharing this tree) take a lock, so one builds and
 * the others wait; an instance never starts while dist/ is being rewritten.
 */
export async function ensureBuilt(): Promise<void> {
  mkdirSync(join(ROOT, '.cache'), { recursive: true });
  for (;;) {
    if (existsSync(ENTRY) && newestSource() <= lastBuild()) return;
    let lock: number;
    try {
      lock = openSync(BUILD_LOCK, 'wx');
    } catch {
      await waitForBuildLock();
      continue;
    }
    try {
      const startedAt = new Date();
      execFileSync(process.execPath, [join(ROOT, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'], { cwd: ROOT, stdio: 'pipe' });
      writeFileSync(BUILD_STAMP, '');
      // Stamped with the build's start: a source saved during the build makes the next run build again.
      utimesSync(BUILD_STAMP, startedAt, startedAt);
      return;
    } catch (error) {
      const output = (error as { stdout?: Buffer; stderr?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`nest build failed:\n${output}${(error as { stderr?: Buffer }).stderr?.toString() ?? ''}`, { cause: error });
    } finally {
      closeSync(lock);
      rmSync(BUILD_LOCK, { force: true });
    }
  }
}

/**
 * When dist/ was last built: by this harness (its stamp) or by `npm run build`, which
 * `npm test` runs first. Rebuilding a fresh dist/ would delete it under the feet of
 * other suites running built processes at the same time.
 */
function lastBuild(): number {
  const stamp = statSync(BUILD_STAMP, { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return Math.max(stamp, statSync(ENTRY).mtimeMs);
}

async function waitForBuildLock(): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (existsSync(BUILD_LOCK)) {
    // A lock older than any build is left by a killed run.
    const stat = statSync(BUILD_LOCK, { throwIfNoEntry: false });
    if (stat && Date.now() - stat.mtimeMs > 180_000) rmSync(BUILD_LOCK, { force: true });
    if (Date.now() > deadline) throw new Error(`${BUILD_LOCK} held for 3 min`);
    await new Promise((wake) => setTimeout(wake, 200));
  }
}

function newestSource(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else if (stat.mtimeMs > newest) newest = stat.mtimeMs;
  };
  visit(join(ROOT, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'package-lock.json', 'nest-cli.json']) {
    if (existsSync(join(ROOT, file))) newest = Math.max(newest, statSync(join(ROOT, file)).mtimeMs);
  }
  return newest;
}
