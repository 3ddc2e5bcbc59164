import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { track, untrack } from './child-processes';

const INSTALL_HINT = 'redis-server not found: install it with `sudo apt-get install -y redis-server` (Debian/Ubuntu) or put it on PATH';

/** A real `redis-server` on a loopback port, for the multi-instance tests. `stop()`/`start()` keep its port, so clients heal. */
export interface RedisServer {
  readonly url: string;
  readonly port: number;
  readonly running: boolean;
  /** Stops the server (SIGKILL: nothing is saved, clients see the connection drop). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  close(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const binary = redisBinary();
  const dir = mkdtempSync(join(tmpdir(), 'rt-redis-'));
  let child: ChildProcess | null = null;
  let port = 0;

  const launch = async (): Promise<void> => {
    // Redis cannot listen on port 0 and report it, so a port is picked and retried if someone took it meanwhile.
    for (let attempt = 1; ; attempt++) {
      const candidate = port || (await freePort());
      const started = spawn(binary, ['--port', String(candidate), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
        stdio: 'ignore',
      });
      track(started);
      if (await answersPing(candidate, started)) {
        child = started;
        port = candidate;
        return;
      }
      untrack(started);
      started.kill('SIGKILL');
      if (attempt >= 20) throw new Error(`redis-server did not start on 127.0.0.1:${candidate}`);
      await sleep(100);
    }
  };
  await launch();

  const stop = async () => {
    const current = child;
    child = null;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      current.once('exit', () => resolve());
      current.kill('SIGKILL');
    });
    untrack(current);
  };

  return {
    get url() {
      return `redis://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get running() {
      return child !== null;
    },
    stop,
    start: launch,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The redis-server binary; installs the Debian package when it is missing and we may (root with apt-get). */
function redisBinary(): string {
  const found = which('redis-server');
  if (found) return found;
  if (process.getuid?.() === 0 && which('apt-get')) {
    try {
      execFileSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    } catch {
      // The hint below says what to do.
    }
    const installed = which('redis-server');
    if (installed) return installed;
  }
  throw new Error(INSTALL_HINT);
}

function which(command: string): string | null {
  try {
    return execFileSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** Polls PING until +PONG; false when the process exits first (port taken) or after 5 s. */
async function answersPing(port: number, child: ChildProcess): Promise<boolean> {
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    if (await ping(port)) return true;
    await sleep(50);
  }
  return false;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
