import { rmSync } from 'node:fs';

/**
 * Keeps a bench bounded: the child processes and temporary folders it registers
 * are stopped and removed at `stopAll()`, on Ctrl-C, and when the deadline passes
 * (then the bench exits 1). `finish()` clears the deadline.
 */
export function boundedRun(deadlineSeconds) {
  const children = [];
  const tempDirs = [];
  const stopAll = () => {
    for (const child of children) child.kill('SIGTERM');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  const deadline = setTimeout(() => {
    console.error(`deadline of ${deadlineSeconds}s reached; stopping`);
    stopAll();
    process.exit(1);
  }, deadlineSeconds * 1000);
  deadline.unref();
  process.on('SIGINT', () => {
    stopAll();
    process.exit(130);
  });
  return { children, tempDirs, stopAll, finish: () => clearTimeout(deadline) };
}
