import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_DATABASE } from '../../src/database/database.module';
import { LOCK_FILE, LockRecord } from '../../src/database/data-dir-lock';
import { DEFAULT_FERRETDB_BIN, EmbeddedDatabase } from '../../src/database/embedded-database';
import { isRunning } from '../../src/database/process-identity';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { spawnBuilt, startBuiltService } from '../utils/processes';

// Read before any app starts: the config module copies the variables an app was given into process.env.
const FERRETDB = process.env.FERRETDB_BIN || DEFAULT_FERRETDB_BIN;
const PASSWORD = 'Sup3r!secret';

/**
 * A FERRETDB_BIN that runs the real FerretDB (same pid, through exec) unless told otherwise
 * by a file beside it: `<wrapper>.hold` makes a start wait, `<wrapper>.fail` makes it fail.
 */
function ferretDbWrapper(dir: string): { path: string; hold: (on: boolean) => void; fail: (on: boolean) => void } {
  const path = join(dir, 'ferretdb-wrapper.sh');
  writeFileSync(path, `#!/bin/sh\nwhile [ -e "$0.hold" ]; do sleep 0.05; done\n[ -e "$0.fail" ] && exit 3\nexec '${FERRETDB}' "$@"\n`);
  chmodSync(path, 0o755);
  const flag = (suffix: string) => (on: boolean) => (on ? writeFileSync(`${path}.${suffix}`, '') : rmSync(`${path}.${suffix}`, { force: true }));
  return { path, hold: flag('hold'), fail: flag('fail') };
}

/** `eventually` for a synchronous check. */
const until = (check: () => void, timeoutMs: number) => eventually(() => Promise.resolve().then(check), timeoutMs);

const readLock = (dataDir: string) => JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockRecord;

describe('the supervised embedded database (in the service process)', () => {
  let dir: string;
  let dataDir: string;
  let wrapper: ReturnType<typeof ferretDbWrapper>;
  let t: TestApp;
  let embedded: EmbeddedDatabase;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rt-supervised-'));
    dataDir = join(dir, 'data');
    wrapper = ferretDbWrapper(dir);
    t = await createTestApp({ MONGODB_URI: '', DATA_DIR: dataDir, MONGODB_DB: 'supervised', FERRETDB_BIN: wrapper.path });
    embedded = t.app.get<EmbeddedDatabase>(EMBEDDED_DATABASE);
  }, 60_000);
  afterAll(async () => {
    wrapper.hold(false);
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After at once while FerretDB is down, then serves again without a restart', async () => {
    await t.http().post('/users').send({ username: 'before_kill', password: PASSWORD }).expect(201);
    const killed = embedded.pid!;
    expect(readLock(dataDir)).toMatchObject({ owner: { pid: process.pid }, database: { pid: killed } });

    wrapper.hold(true);
    process.kill(killed, 'SIGKILL');
    await until(() => expect(embedded.available).toBe(false), 5_000);

    const started = Date.now();
    const refused = await t.http().post('/users').send({ username: 'while_down', password: PASSWORD });
    // Far sooner than the driver's 5 s server-selection timeout, which used to end in a 500.
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.body).toEqual({
      success: false,
      statusCode: 503,
      error_code: 'SERVICE_UNAVAILABLE',
      message: 'Database unavailable',
      error: 'Database unavailable',
      timestamp: expect.any(Number),
      path: '/users',
      request_id: expect.any(String),
    });
    const ready = await t.http().get('/health/ready').expect(503);
    expect(ready.body.error.database).toMatchObject({ status: 'down', message: 'embedded database restarting' });
    await t.http().get('/health').expect(200);

    wrapper.hold(false);
    await eventually(async () => {
      await t.http().post('/users').send({ username: 'after_restart', password: PASSWORD }).expect(201);
    }, 20_000);
    expect(embedded.pid).not.toBe(killed);
    expect(readLock(dataDir).database?.pid).toBe(embedded.pid);
    await t.http().get('/health/ready').expect(200);
    // What was written before the crash is still there.
    const again = await t.http().post('/users').send({ username: 'before_kill', password: PASSWORD }).expect(409);
    expect(again.body.error_code).toBe('USERNAME_TAKEN');
  }, 60_000);

  it('refuses a second service on the same DATA_DIR with one line naming the holder', async () => {
    await expect(createTestApp({ MONGODB_URI: '', DATA_DIR: dataDir, MONGODB_DB: 'supervised', FERRETDB_BIN: wrapper.path })).rejects.toThrow(
      `is in use by the embedded database of process ${process.pid}`,
    );
    // The first one is untouched.
    await t.http().get('/health/ready').expect(200);
  });
});

describe('a stale lock in DATA_DIR', () => {
  let dir: string;
  let orphan: ChildProcess | undefined;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-stale-'));
  });
  afterAll(() => {
    orphan?.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('is taken over: the orphaned FerretDB it names is stopped and the service starts', async () => {
    // A FerretDB without the parent pipe (as an unpatched binary would be), and an owner that is gone.
    orphan = spawn(
      FERRETDB,
      ['--handler=sqlite', `--sqlite-url=file:${dir}/`, `--state-dir=${dir}`, '--listen-addr=127.0.0.1:0', '--debug-addr=-', '--telemetry=disable'],
      { stdio: 'ignore' },
    );
    const deadOwner = spawn(process.execPath, ['-e', '']);
    await new Promise((done) => deadOwner.once('exit', done));
    const orphanIdentity = { pid: orphan.pid!, started: null };
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ owner: { pid: deadOwner.pid, started: null }, database: orphanIdentity }));

    const t = await createTestApp({ MONGODB_URI: '', DATA_DIR: dir, MONGODB_DB: 'stale', FERRETDB_BIN: FERRETDB });
    try {
      expect(isRunning(orphanIdentity)).toBe(false);
      expect(readLock(dir).owner.pid).toBe(process.pid);
      await t.http().post('/users').send({ username: 'took_over', password: PASSWORD }).expect(201);
    } finally {
      await t.close();
    }
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  }, 60_000);
});

describe('the embedded database and the service process (built app, separate processes)', () => {
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-service-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('goes away when the service is SIGKILLed, and a restarted service starts on the same DATA_DIR', async () => {
    const dataDir = join(dir, 'killed');
    const env = { MONGODB_URI: '', DATA_DIR: dataDir, MONGODB_DB: 'killed', FERRETDB_BIN: FERRETDB };
    const first = await startBuiltService(env);
    let database: LockRecord['database'];
    try {
      await eventually(async () => expect((await fetch(`${first.url}/health/ready`)).status).toBe(200), 20_000);
      const created = await fetch(`${first.url}/users`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'survivor', password: PASSWORD }),
      });
      expect(created.status).toBe(201);
      database = readLock(dataDir).database;
      expect(database && isRunning(database)).toBe(true);
    } finally {
      await first.kill();
    }
    await until(() => expect(isRunning(database!)).toBe(false), 15_000);

    const second = await startBuiltService(env);
    try {
      await eventually(async () => expect((await fetch(`${second.url}/health/ready`)).status).toBe(200), 20_000);
      expect(readLock(dataDir).owner.pid).toBe(second.child.pid);
      const again = await fetch(`${second.url}/users`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ username: 'survivor', password: PASSWORD }),
      });
      expect(again.status).toBe(409);
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).toEqual({ code: 0, signal: null });
    }
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
  }, 120_000);

  it('exits non-zero with one line when FerretDB cannot be brought back', async () => {
    const wrapper = ferretDbWrapper(dir);
    const service = await startBuiltService({ MONGODB_URI: '', DATA_DIR: join(dir, 'gives-up'), MONGODB_DB: 'gives_up', FERRETDB_BIN: wrapper.path });
    try {
      const database = readLock(join(dir, 'gives-up')).database!;
      wrapper.fail(true);
      process.kill(database.pid, 'SIGKILL');
      const { code } = await service.exited;
      expect(code).toBe(1);
      expect(service.stderr()).toMatch(/^the embedded database could not be restarted after \d+ attempts: .*; exiting$/m);
      expect(service.stderr()).not.toMatch(/^\s+at /m);
    } finally {
      wrapper.fail(false);
      await service.kill();
    }
  }, 60_000);

  it('fails within seconds with one clear line when MONGODB_URI names a server that does not answer', async () => {
    const started = Date.now();
    const service = spawnBuilt('main.js', { MONGODB_URI: 'mongodb://127.0.0.1:1/' });
    const { code } = await service.exited;
    // One server selection (5 s) plus the app's boot, not @nestjs/mongoose's default nine retries (over a minute);
    // the bound leaves room for a loaded machine.
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(code).toBe(1);
    const lines = service.stderr().trim().split('\n');
    expect(lines.filter((line) => !line.startsWith('listening-port'))).toEqual([
      expect.stringMatching(
        /^Startup failed: The database at MONGODB_URI \(mongodb:\/\/127\.0\.0\.1:1\/\) does not answer: .+\. Check it, or unset MONGODB_URI to use the embedded database\.$/,
      ),
    ]);
  }, 45_000);
});
