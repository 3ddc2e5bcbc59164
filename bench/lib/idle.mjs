import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** Above this share of the machine busy before a bench starts, its figures would measure someone else's work. */
const MAX_FOREIGN_BUSY = 0.1;
const SAMPLE_MS = 3_000;

/** Busy and total jiffies of all CPUs together, from the first line of /proc/stat. */
function cpuTimes() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  return { busy: total - idleAll, total };
}

/**
 * Prints how busy the machine is before the bench starts it (over 3 s, all cores)
 * and refuses to go on above 10 %: a bench run beside a test suite or a build
 * reports figures that say nothing. `--allow-load` runs anyway and marks the run.
 */
export async function requireIdleMachine(args) {
  const before = cpuTimes();
  await sleep(SAMPLE_MS);
  const after = cpuTimes();
  const busy = (after.busy - before.busy) / Math.max(1, after.total - before.total);
  const line = `machine: ${cpus().length} cores, ${(busy * 100).toFixed(1)} % busy over ${SAMPLE_MS / 1000} s before the run (load average ${loadavg()[0].toFixed(2)})`;
  if (busy <= MAX_FOREIGN_BUSY) {
    console.log(line);
    return;
  }
  if (args['allow-load']) {
    console.log(`${line}: NOT an idle machine (--allow-load); these figures are not comparable`);
    return;
  }
  console.error(`${line}: above ${MAX_FOREIGN_BUSY * 100} %, refusing to measure. Stop the other work, or pass --allow-load for a rough run.`);
  process.exit(3);
}
