import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const PRELOAD = join(__dirname, 'report-listening-port.cjs');

export interface SpawnedProcess {
  child: ChildProcess;
  /** Everything written so far, stdout and stderr apart. */
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in stdout+stderr, or rejects after `timeoutMs` or at exit. */
  waitForOutput: (pattern: RegExp, timeoutMs?: number) => Promise<RegExpExecArray>;
  /** SIGKILL unless it already exited; resolves once it has. */
  kill: () => Promise<void>;
}

/**
 * Runs a script of the built app (`npm run build` first: `npm test` does) as a separate
 * process with the e2e environment plus `env`. PORT=0 binds a free port; the test learns
 * it from the `listening-port <n>` line printed by the preload.
 */
export function spawnBuilt(script: string, env: Record<string, string>): SpawnedProcess {
  const path = join(ROOT, 'dist', script);
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run build\` first`);
  const child = spawn(process.execPath, ['-r', PRELOAD, path], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'silent', PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) => child.once('exit', (code, signal) => done({ code, signal })));
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((check) => check());
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    notify();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });

  const waitForOutput = (pattern: RegExp, timeoutMs = 20_000) =>
    new Promise<RegExpExecArray>((done, fail) => {
      const finish = (error?: Error, match?: RegExpExecArray) => {
        waiters.delete(check);
        clearTimeout(timer);
        if (error) fail(error);
        else done(match!);
      };
      const check = () => {
        const match = pattern.exec(stdout + stderr);
        if (match) finish(undefined, match);
      };
      const timer = setTimeout(() => finish(new Error(`no ${pattern} within ${timeoutMs} ms; stdout: ${stdout}; stderr: ${stderr}`)), timeoutMs);
      waiters.add(check);
      void exited.then(({ code, signal }) => {
        check();
        if (waiters.has(check)) finish(new Error(`exited (${signal ?? code}) without ${pattern}; stdout: ${stdout}; stderr: ${stderr}`));
      });
      check();
    });

  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    exited,
    waitForOutput,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts the built service (`dist/main.js`) and resolves with its URL once it listens. */
export async function startBuiltService(env: Record<string, string>): Promise<SpawnedProcess & { url: string }> {
  const service = spawnBuilt('main.js', env);
  try {
    const [, port] = await service.waitForOutput(/listening-port (\d+)/, 60_000);
    return { ...service, url: `http://127.0.0.1:${port}` };
  } catch (error) {
    await service.kill();
    throw error;
  }
}
