import { ChildProcess, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/**
 * When SQLite makes a commit durable. `normal`: a commit survives the process dying (it is in the
 * operating system's write-ahead log), and the disk is synced at checkpoints, so a power loss or kernel
 * crash may roll back the last commits, never corrupt the files (MongoDB's own default journals every
 * 100 ms, which has the same window). `full`: every commit is synced to the disk before it is acknowledged.
 */
export type SqliteSynchronous = 'normal' | 'full';

export interface FerretDbProcessOptions {
  binary: string;
  dataDir: string;
  synchronous: SqliteSynchronous;
  /** 0: the system picks a free port, read back from FerretDB's log. */
  port: number;
  /** Receives FerretDB's output. */
  log: Writable;
  startTimeoutMs: number;
}

export interface RunningFerretDb {
  child: ChildProcess;
  port: number;
}

const LISTENING = /Listening on TCP [^\s"]*?:(\d+)/;

/** FerretDB's SQLite location, with the pragma every connection it opens applies. */
export function sqliteUrl(dataDir: string, synchronous: SqliteSynchronous): string {
  return `file:${dataDir}/?_pragma=synchronous(${synchronous})`;
}

/**
 * Starts one FerretDB (SQLite backend) on a loopback port and resolves once it listens.
 * Its stdin is a pipe from this process: the patched FerretDB stops when that pipe
 * closes, so it cannot outlive this process even after a SIGKILL (docs/database.md).
 */
export function startFerretDb(options: FerretDbProcessOptions): Promise<RunningFerretDb> {
  const child = spawn(
    options.binary,
    [
      '--handler=sqlite',
      `--sqlite-url=${sqliteUrl(options.dataDir, options.synchronous)}`,
      `--state-dir=${options.dataDir}`,
      `--listen-addr=127.0.0.1:${options.port}`,
      '--debug-addr=-',
      '--telemetry=disable',
      // info: the "Listening on TCP host:port" line is how a port picked by the system is learnt.
      '--log-level=info',
      '--log-format=json',
    ],
    { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, FERRETDB_EXIT_ON_STDIN_EOF: '1' } },
  );
  // The pipe is only ever closed, never written; an error on it (the child gone) is not this process's concern.
  child.stdin?.on('error', () => undefined);
  child.stdout?.pipe(options.log, { end: false });
  child.stderr?.pipe(options.log, { end: false });

  return new Promise((resolve, reject) => {
    const streams = [child.stdout, child.stderr];
    // Only the tail of the output since the last line break is kept while looking for the line.
    let pending = '';
    const onData = (chunk: Buffer) => {
      const lines = (pending + chunk.toString('utf8')).split('\n');
      pending = lines.pop()!.slice(-4096);
      for (const line of lines) {
        const listening = LISTENING.exec(line);
        if (listening) return done(undefined, Number(listening[1]));
      }
    };
    let settled = false;
    const done = (error?: Error, port?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      for (const stream of streams) stream.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error) {
        child.kill('SIGKILL');
        child.stdin?.destroy();
        reject(error);
      } else {
        resolve({ child, port: port! });
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null) => done(new Error(`FerretDB exited at start (${signal ?? `code ${code}`})`));
    const onError = (error: Error) => done(error);
    const timer = setTimeout(() => done(new Error(`FerretDB did not listen within ${options.startTimeoutMs} ms`)), options.startTimeoutMs);
    child.once('exit', onExit);
    child.once('error', onError);
    for (const stream of streams) stream.on('data', onData);
  });
}
