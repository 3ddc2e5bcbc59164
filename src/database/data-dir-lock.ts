import { closeSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, identify, isRunning, ProcessIdentity } from './process-identity';

export const LOCK_FILE = 'embedded-database.lock';

/** What the lock file holds: the process that owns the data folder and the database process it runs. */
export interface LockRecord {
  owner: ProcessIdentity;
  database: ProcessIdentity | null;
  /** Where that database listens, so whoever finds the folder taken can use it instead. */
  uri?: string;
}

const STALE_DATABASE_EXIT_MS = 5_000;

/**
 * One embedded database per data folder. The lock file names its owner (pid and start
 * time); a lock whose owner is gone is stale: the database process it names, if still
 * running (an orphan of a killed service), is stopped and the lock taken over.
 */
export class DataDirLock {
  private constructor(
    private readonly path: string,
    private record: LockRecord,
  ) {}

  /** Takes the data folder or throws one line naming the process that holds it. */
  static async acquire(dataDir: string): Promise<DataDirLock> {
    const path = join(dataDir, LOCK_FILE);
    const record: LockRecord = { owner: identify(process.pid), database: null };
    for (let attempt = 0; attempt < 5; attempt++) {
      if (createExclusive(path, record)) return new DataDirLock(path, record);
      const held = readRecord(path);
      if (held === 'unreadable') {
        // Being written by another starter this very moment, or left half-written by a crash.
        if (attempt < 2) await sleep(50);
        else unlinkIfPresent(path);
        continue;
      }
      if (held && isRunning(held.owner)) {
        const sharing = held.uri ? `, or set MONGODB_URI=${held.uri} to share its database` : '';
        throw new Error(
          `${dataDir} is in use by the embedded database of process ${held.owner.pid} (${path}); stop that process, use another DATA_DIR${sharing}`,
        );
      }
      if (held?.database && isRunning(held.database)) await stopOrphan(held.database);
      removeIfUnchanged(path, held);
    }
    throw new Error(`could not take the lock ${path}`);
  }

  /** Records the database process, so a later start can stop it if this owner dies without doing so. */
  setDatabase(database: ProcessIdentity | null, uri?: string): void {
    this.record = { owner: this.record.owner, database, ...(database && uri ? { uri } : {}) };
    const temporary = `${this.path}.${process.pid}`;
    writeFileSync(temporary, JSON.stringify(this.record));
    renameSync(temporary, this.path);
  }

  release(): void {
    const held = readRecord(this.path);
    if (held && held !== 'unreadable' && held.owner.pid === process.pid) removeIfUnchanged(this.path, held);
  }
}

function createExclusive(path: string, record: LockRecord): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    writeSync(fd, JSON.stringify(record));
  } finally {
    closeSync(fd);
  }
  return true;
}

function readRecord(path: string): LockRecord | null | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (typeof parsed.owner?.pid !== 'number') return 'unreadable';
    return { owner: parsed.owner, database: parsed.database ?? null, ...(typeof parsed.uri === 'string' ? { uri: parsed.uri } : {}) };
  } catch {
    return 'unreadable';
  }
}

/** Deletes the lock only if it still holds what was read (another starter may have taken it meanwhile). */
function removeIfUnchanged(path: string, expected: LockRecord | null): void {
  const current = readRecord(path);
  if (current === null) return;
  if (expected !== null && JSON.stringify(current) !== JSON.stringify(expected)) return;
  unlinkIfPresent(path);
}

function unlinkIfPresent(path: string): void {
  try {
    unlinkSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/** Stops a database process left by a dead owner, provided it still looks like one (pid reuse). */
async function stopOrphan(database: ProcessIdentity): Promise<void> {
  const command = commandLine(database.pid);
  if (command !== '' && !command.includes('ferretdb')) return;
  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    try {
      process.kill(database.pid, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + STALE_DATABASE_EXIT_MS / 2;
    while (isRunning(database) && Date.now() < deadline) await sleep(20);
    if (!isRunning(database)) return;
  }
  throw new Error(`the stale embedded database process ${database.pid} did not stop`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((wake) => setTimeout(wake, ms));
}
