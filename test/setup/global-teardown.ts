import { rmSync } from 'node:fs';
import type { EmbeddedDatabase } from '../../src/database/embedded-database';

export default async function globalTeardown(): Promise<void> {
  const database = (globalThis as { __E2E_DATABASE__?: EmbeddedDatabase }).__E2E_DATABASE__;
  if (!database) return;
  await database.dispose();
  if (process.env.TEST_DATA_ROOT) rmSync(process.env.TEST_DATA_ROOT, { recursive: true, force: true });
}
