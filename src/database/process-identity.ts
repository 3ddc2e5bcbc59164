import { readFileSync } from 'node:fs';

/**
 * A process as a lock file records it: its pid and, where /proc exists, its start time
 * (clock ticks since boot), so a pid reused by an unrelated process is not taken for it.
 */
export interface ProcessIdentity {
  pid: number;
  started: string | null;
}

export function identify(pid: number): ProcessIdentity {
  return { pid, started: procStat(pid)?.started ?? null };
}

/** True while that very process runs (a zombie counts as gone: it holds no port and no files). */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!Number.isInteger(identity.pid) || identity.pid <= 0) return false;
  const stat = procStat(identity.pid);
  if (stat) return stat.state !== 'Z' && (identity.started === null || stat.started === identity.started);
  try {
    process.kill(identity.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The command line of a running process, or '' where /proc cannot tell. */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return '';
  }
}

function procStat(pid: number): { state: string; started: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name in parentheses may contain spaces; the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], started: fields[19] };
  } catch {
    return undefined;
  }
}
