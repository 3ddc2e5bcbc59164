import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient } from 'mongodb';
import { DEFAULT_FERRETDB_BIN, EmbeddedDatabase } from '../../src/database/embedded-database';
import { createTestApp } from '../utils/create-test-app';

// Read before any app starts: the config module copies the variables an app was given into process.env.
const FERRETDB = process.env.FERRETDB_BIN || DEFAULT_FERRETDB_BIN;
const PAGE_FRAME_BYTES = 4096 + 24;

/** A FERRETDB_BIN that writes its arguments to `<wrapper>.args`, then runs the real FerretDB. */
function recordingWrapper(dir: string): { path: string; sqliteUrl: () => string } {
  const path = join(dir, 'ferretdb-wrapper.sh');
  writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "$@" > "$0.args"\nexec '${FERRETDB}' "$@"\n`);
  chmodSync(path, 0o755);
  const sqliteUrl = () =>
    readFileSync(`${path}.args`, 'utf8')
      .split('\n')
      .find((arg) => arg.startsWith('--sqlite-url='))!;
  return { path, sqliteUrl };
}

describe('the embedded database’s SQLite settings', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'rt-sqlite-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('syncs at checkpoints by default, and keeps the write-ahead log at SQLite’s checkpoint size under steady updates', async () => {
    const wrapper = recordingWrapper(dir);
    const database = new EmbeddedDatabase({ dataDir: join(dir, 'data'), binary: wrapper.path });
    const client = new MongoClient(await database.start(), { directConnection: true });
    try {
      expect(wrapper.sqliteUrl()).toContain('_pragma=synchronous(normal)');
      const sessions = client.db('pragmas').collection<{ _id: string; n: number }>('sessions');
      await sessions.insertOne({ _id: 'one', n: 0 });
      await sessions.insertOne({ _id: 'two', n: 0 });
      // Each commit appends the pages it changed (two here) to the log. Once the log passes 1,000
      // pages, the commit checkpoints it and the log starts over; a read left open across the
      // commit kept the checkpoint from finishing, and the log grew by every commit for good.
      for (let i = 0; i < 1_200; i++) {
        await sessions.updateOne({ _id: 'one' }, { $inc: { n: 1 } });
        await sessions.findOneAndUpdate({ _id: 'two' }, { $inc: { n: 1 } });
      }
      expect(await sessions.find().toArray()).toEqual([
        { _id: 'one', n: 1_200 },
        { _id: 'two', n: 1_200 },
      ]);
      expect(statSync(join(dir, 'data', 'pragmas.sqlite-wal')).size).toBeLessThan(1_100 * PAGE_FRAME_BYTES);
    } finally {
      await client.close();
      await database.stop();
    }
  }, 60_000);

  it('syncs every commit with EMBEDDED_DB_SYNCHRONOUS=full', async () => {
    const wrapper = recordingWrapper(dir);
    const t = await createTestApp({ MONGODB_URI: '', DATA_DIR: join(dir, 'data'), FERRETDB_BIN: wrapper.path, EMBEDDED_DB_SYNCHRONOUS: 'full' });
    try {
      expect(wrapper.sqliteUrl()).toContain('_pragma=synchronous(full)');
      await t.http().get('/health/ready').expect(200);
    } finally {
      await t.close();
    }
  }, 60_000);
});
