import type { ChildProcess } from 'node:child_process';

/*
 * Every process a test starts (redis-server, service instances) is tracked here
 * and SIGKILLed when the test process exits, however it exits, so a failed or
 * interrupted suite leaks nothing. Instances use an external database, so a
 * SIGKILL orphans no database process.
 */
const live = new Set<ChildProcess>();
let hooked = false;

export function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const process of live) process.kill('SIGKILL');
  });
}

export function untrack(child: ChildProcess): void {
  live.delete(child);
}
