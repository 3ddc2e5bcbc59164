import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataDirLock, LOCK_FILE, LockRecord } from './data-dir-lock';
import { identify } from './process-identity';

describe('DataDirLock', () => {
  let dir: string;
  const lockPath = () => join(dir, LOCK_FILE);
  const held = () => JSON.parse(readFileSync(lockPath(), 'utf8')) as LockRecord;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('records its owner, then the database process, and removes the file on release', async () => {
    const lock = await DataDirLock.acquire(dir);
    expect(held()).toEqual({ owner: identify(process.pid), database: null });
    lock.setDatabase({ pid: 4242, started: '99' }, 'mongodb://127.0.0.1:4242/');
    expect(held()).toEqual({ owner: identify(process.pid), database: { pid: 4242, started: '99' }, uri: 'mongodb://127.0.0.1:4242/' });
    await expect(DataDirLock.acquire(dir)).rejects.toThrow(
      /stop that process, use another DATA_DIR, or set MONGODB_URI=mongodb:\/\/127\.0\.0\.1:4242\/ to share its database$/,
    );
    lock.release();
    expect(existsSync(lockPath())).toBe(false);
  });

  it('refuses while the owner runs, naming it', async () => {
    const lock = await DataDirLock.acquire(dir);
    await expect(DataDirLock.acquire(dir)).rejects.toThrow(`${dir} is in use by the embedded database of process ${process.pid}`);
    lock.release();
  });

  it('takes over a lock whose pid now belongs to another process (a different start time)', async () => {
    writeFileSync(lockPath(), JSON.stringify({ owner: { pid: process.pid, started: 'not-this-process' }, database: null }));
    const lock = await DataDirLock.acquire(dir);
    expect(held().owner).toEqual(identify(process.pid));
    lock.release();
  });

  it('takes over a lock left half-written', async () => {
    writeFileSync(lockPath(), '{"owner":{"pi');
    const lock = await DataDirLock.acquire(dir);
    expect(held().owner.pid).toBe(process.pid);
    lock.release();
  });

  it('leaves alone, on release, a lock another owner has taken meanwhile', async () => {
    const lock = await DataDirLock.acquire(dir);
    const other = { owner: { pid: 1, started: null }, database: null };
    writeFileSync(lockPath(), JSON.stringify(other));
    lock.release();
    expect(held()).toEqual(other);
  });
});
