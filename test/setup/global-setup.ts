import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedDatabase } from '../../src/database/embedded-database';

/**
 * Starts the embedded database (FerretDB) once for the whole e2e run. Workers
 * inherit TEST_MONGODB_URI and each uses a database of its own (test/setup/env.ts).
 */
export default async function globalSetup(): Promise<void> {
  if (process.env.TEST_MONGODB_URI) return;
  const dataDir = mkdtempSync(join(tmpdir(), 'rt-e2e-db-'));
  const database = new EmbeddedDatabase({ dataDir, binary: process.env.FERRETDB_BIN || undefined });
  process.env.TEST_MONGODB_URI = await database.start();
  process.env.TEST_DATA_ROOT = dataDir;
  (globalThis as { __E2E_DATABASE__?: EmbeddedDatabase }).__E2E_DATABASE__ = database;
}
