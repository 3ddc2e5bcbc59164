import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, WriteStream } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { join, resolve } from 'node:path';

export interface EmbeddedDatabaseOptions {
  /** FerretDB binary; defaults to the one `npm run db:install` builds. */
  binary?: string;
  /** Folder for the SQLite files and the FerretDB log. */
  dataDir: string;
  /** Loopback port; a free one is picked when omitted. */
  port?: number;
  startTimeoutMs?: number;
}

export const DEFAULT_FERRETDB_BIN = resolve(__dirname, '..', '..', '.cache', 'bin', 'ferretdb');

export const NO_DATABASE_HINT =
  'No database available: set MONGODB_URI to a MongoDB server, run `npm run db:install` to install the embedded database (FerretDB), or start MongoDB with `docker compose up -d mongo`.';

/**
 * Runs FerretDB v1 (SQLite backend) as a child process on a loopback port, so the
 * service works with no MongoDB installed. Plain class: the app, the seed script
 * and the test harness all start the database through it.
 */
export class EmbeddedDatabase {
  private child?: ChildProcess;
  private log?: WriteStream;
  private port?: number;
  private exited?: Promise<void>;

  constructor(private readonly options: EmbeddedDatabaseOptions) {}

  get uri(): string {
    if (!this.port) throw new Error('embedded database is not running');
    return `mongodb://127.0.0.1:${this.port}/`;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null;
  }

  /** Starts FerretDB (again on the same port after a stop) and resolves once it accepts connections. */
  async start(): Promise<string> {
    if (this.running) return this.uri;
    const binary = this.options.binary ?? DEFAULT_FERRETDB_BIN;
    if (!existsSync(binary)) throw new Error(`${NO_DATABASE_HINT} (no FerretDB binary at ${binary})`);

    const dataDir = resolve(this.options.dataDir);
    mkdirSync(dataDir, { recursive: true });
    this.port ??= this.options.port ?? (await freePort());
    this.log ??= createWriteStream(join(dataDir, 'ferretdb.log'), { flags: 'a' });

    const child = spawn(
      binary,
      [
        '--handler=sqlite',
        `--sqlite-url=file:${dataDir}/`,
        `--state-dir=${dataDir}`,
        `--listen-addr=127.0.0.1:${this.port}`,
        '--debug-addr=-',
        '--telemetry=disable',
        '--log-level=warn',
        '--log-format=json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout?.pipe(this.log, { end: false });
    child.stderr?.pipe(this.log, { end: false });
    this.child = child;
    // However this process exits (a failed shutdown included; SIGKILL cannot be caught), the database goes with it.
    const killOnExit = () => child.kill('SIGTERM');
    process.once('exit', killOnExit);
    this.exited = new Promise((done) =>
      child.once('exit', () => {
        process.off('exit', killOnExit);
        done();
      }),
    );

    const failedToStart = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`embedded database exited with code ${code}; see ${join(dataDir, 'ferretdb.log')}`)));
    });
    await Promise.race([waitForPort(this.port, this.options.startTimeoutMs ?? 15_000), failedToStart]);
    failedToStart.catch(() => undefined);
    return this.uri;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(killer);
  }

  async dispose(): Promise<void> {
    await this.stop();
    this.log?.end();
    this.log = undefined;
  }
}

function freePort(): Promise<number> {
  return new Promise((done, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await canConnect(port)) return;
    await new Promise((wake) => setTimeout(wake, 50));
  }
  throw new Error(`embedded database did not accept connections on port ${port} within ${timeoutMs} ms`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1');
  });
}
