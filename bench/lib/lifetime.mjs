import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Keeps a bench bounded: the processes it starts with `run.spawn` and the folders
 * it takes with `run.tempDir` are stopped and removed by `await run.close()`, on
 * Ctrl-C, and when the deadline passes (then the bench exits 1), so no server or
 * database outlives the bench.
 */
export function boundedRun(deadlineSeconds) {
  const children = [];
  const tempDirs = [];
  const removeTempDirs = () => {
    for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  };
  // Leaving in a hurry: SIGTERM (never SIGKILL, which would orphan the service's
  // database) and go; each server finishes its own shutdown.
  const abandon = (exitCode) => {
    for (const child of children) child.kill('SIGTERM');
    removeTempDirs();
    process.exit(exitCode);
  };
  const deadline = setTimeout(() => {
    console.error(`deadline of ${deadlineSeconds}s reached; stopping`);
    abandon(1);
  }, deadlineSeconds * 1000);
  deadline.unref();
  process.on('SIGINT', () => abandon(130));

  return {
    spawn(command, args, options) {
      const child = spawn(command, args, options);
      children.push(child);
      return child;
    },
    tempDir(prefix) {
      const dir = mkdtempSync(join(tmpdir(), prefix));
      tempDirs.push(dir);
      return dir;
    },
    /** Stops every child and waits for it (the service takes its database down first), then removes the folders. */
    async close() {
      await Promise.all(children.map(stopChild));
      removeTempDirs();
      clearTimeout(deadline);
    },
  };
}

/** Sends SIGTERM; resolves to the exit code once the process has gone (at once when it already has). */
export function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolveExit) => {
    child.once('exit', (code) => resolveExit(code));
    child.kill('SIGTERM');
  });
}
