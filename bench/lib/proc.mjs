import { execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/* What the benches read of their servers' processes from /proc (Linux), and core pinning with taskset. */

/** `pid` and every process below it (the service and the database it started). */
export function processTree(pid) {
  const parents = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) for (const [child, parent] of parents) if (parent === tree[i]) tree.push(child);
  return tree;
}

/** utime + stime of processes, microseconds (clock ticks of 10 ms on Linux; one that has gone counts 0). */
export function cpuMicros(pids) {
  let ticks = 0;
  for (const pid of [].concat(pids)) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // The command name may contain spaces; the fields after its closing parenthesis do not.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks * 10_000;
}

/** Resident memory of processes, bytes (one that has gone counts 0). */
export function rssBytes(pids) {
  let sum = 0;
  for (const pid of pids) {
    try {
      sum += Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) * 1024;
    } catch {
      // gone
    }
  }
  return sum;
}

/** Whether servers and load can each have a core of their own: taskset present and at least two cores. */
export function canPin() {
  if (availableParallelism() < 2) return false;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** `run` whose children start pinned to `core` (what they start inherits it). */
export function pinnedRun(run, core) {
  return { ...run, spawn: (command, args, options) => run.spawn('taskset', ['-c', String(core), command, ...args], options) };
}

/**
 * Runs `script` again pinned to `core` (its own children start elsewhere through pinnedRun), marked by `env`
 * so that the pinned copy knows it is; exits with its exit code. Ctrl-C reaches both; the copy stops its servers.
 */
export async function rerunPinned(script, core, env) {
  const child = spawn('taskset', ['-c', String(core), process.execPath, script, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, [env]: '1' },
  });
  process.on('SIGINT', () => undefined);
  const code = await new Promise((resolveExit) => child.once('exit', (exitCode, signal) => resolveExit(exitCode ?? (signal ? 1 : 0))));
  process.exit(code);
}
