import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, LockRecord } from '../../src/database/data-dir-lock';
import { DEFAULT_FERRETDB_BIN } from '../../src/database/embedded-database';
import { isRunning } from '../../src/database/process-identity';
import { SERVICE_KEY_HEADERS } from '../utils/auth';
import { createTestApp, TestApp } from '../utils/create-test-app';
import { eventually } from '../utils/eventually';
import { spawnBuilt, SpawnedProcess } from '../utils/processes';

// Read before any app starts: the config module copies the variables an app was given into process.env.
const FERRETDB = process.env.FERRETDB_BIN || DEFAULT_FERRETDB_BIN;
const URI_LINE = /^MONGODB_URI=(mongodb:\/\/127\.0\.0\.1:(\d+)\/)$/m;

/** `npm run db:serve` is `node dist/scripts/db-serve.js` after the build; this is what multi-instance tests spawn. */
describe('npm run db:serve', () => {
  let dataDir: string;
  let server: SpawnedProcess;
  let uri: string;
  const instances: TestApp[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'rt-db-serve-'));
    server = spawnBuilt('scripts/db-serve.js', { DB_PORT: '0', DATA_DIR: dataDir, FERRETDB_BIN: FERRETDB });
    uri = (await server.waitForOutput(URI_LINE))[1];
  }, 60_000);
  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints its MONGODB_URI as the one line on stdout and holds DATA_DIR', () => {
    expect(server.stdout()).toBe(`MONGODB_URI=${uri}\n`);
    const lock = JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockRecord;
    expect(lock.owner.pid).toBe(server.child.pid);
    expect(lock.database && isRunning(lock.database)).toBe(true);
  });

  it('is shared by several instances started with that URI, atomically', async () => {
    const env = { MONGODB_URI: uri, MONGODB_DB: 'db_serve_shared' };
    instances.push(await createTestApp(env), await createTestApp(env));
    const [a, b] = instances;
    const created = await a.http().post('/users').send({ username: 'shared', password: 'Sup3r!secret' }).expect(201);
    const id = created.body.id as string;
    await b.http().post('/users').send({ username: 'SHARED', password: 'Sup3r!secret' }).expect(409);

    // Each instance has a pool of its own: the increments race across connections and instances.
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => (i % 2 ? a : b).http().post(`/users/${id}/score`).set(SERVICE_KEY_HEADERS).send({ increment: 1 }).expect(200)),
    );
    const stored = await b.connection.collection('users').findOne({ _id: id as never });
    expect(stored?.score).toBe(50);
  }, 60_000);

  it('refuses a second db:serve on the same DATA_DIR', async () => {
    const second = spawnBuilt('scripts/db-serve.js', { DB_PORT: '0', DATA_DIR: dataDir, FERRETDB_BIN: FERRETDB });
    const { code } = await second.exited;
    expect(code).toBe(1);
    expect(second.stdout()).toBe('');
    expect(second.stderr()).toContain(`is in use by the embedded database of process ${server.child.pid}`);
  }, 30_000);

  it('stops cleanly on SIGTERM: exit code 0, FerretDB gone, lock released; its instances answer 503, not 500', async () => {
    const database = (JSON.parse(readFileSync(join(dataDir, LOCK_FILE), 'utf8')) as LockRecord).database!;
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await eventually(() => Promise.resolve().then(() => expect(isRunning(database)).toBe(false)), 5_000);
    expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);

    // To an instance, db:serve is a remote server: its absence shows once server selection gives up.
    const refused = await instances[0].http().post('/users').send({ username: 'no_database', password: 'Sup3r!secret' });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('5');
    expect(refused.body).toMatchObject({ success: false, statusCode: 503, error_code: 'SERVICE_UNAVAILABLE', message: 'Database unavailable' });
  }, 30_000);

  it('rejects a DB_PORT that is not a port with one line', async () => {
    const bad = spawnBuilt('scripts/db-serve.js', { DB_PORT: 'http', DATA_DIR: dataDir, FERRETDB_BIN: FERRETDB });
    expect((await bad.exited).code).toBe(1);
    expect(bad.stderr()).toMatch(/^db:serve failed: DB_PORT must be a port number \(0-65535\), got "http"\n$/m);
  });
});
