import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestApp } from '../utils/create-test-app';

describe('embedded database (no MONGODB_URI)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'rt-embedded-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts FerretDB itself and keeps the data across an app restart', async () => {
    const env = { MONGODB_URI: '', DATA_DIR: dataDir, MONGODB_DB: 'restart' };
    const first = await createTestApp(env);
    const created = await first.http().post('/users').send({ username: 'persist', password: 'Sup3r!secret' }).expect(201);
    await first.close();

    const second = await createTestApp(env);
    try {
      const again = await second.http().post('/users').send({ username: 'PERSIST', password: 'Sup3r!secret' }).expect(409);
      expect(again.body.error_code).toBe('USERNAME_TAKEN');
      const stored = await second.connection.collection('users').findOne({ _id: created.body.id as never });
      expect(stored?.username).toBe('persist');
    } finally {
      await second.close();
    }
  });

  it('fails at startup with one line naming the three ways out when no database can be had', async () => {
    await expect(createTestApp({ MONGODB_URI: '', DATA_DIR: dataDir, FERRETDB_BIN: join(dataDir, 'missing-ferretdb') })).rejects.toThrow(
      /MONGODB_URI.*db:install.*docker compose/,
    );
  });
});
