/** The variables of `npm run db:serve` (the embedded database alone), validated. */
export interface DbServeEnv {
  dataDir: string;
  port: number;
  binary: string | undefined;
  synchronous: 'normal' | 'full';
}

export const DEFAULT_DB_PORT = 27017;

/** Throws one line naming the bad variable. DB_PORT=0 lets the system pick a free port. */
export function readDbServeEnv(env: NodeJS.ProcessEnv = process.env): DbServeEnv {
  const rawPort = env.DB_PORT?.trim() || String(DEFAULT_DB_PORT);
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`DB_PORT must be a port number (0-65535), got ${JSON.stringify(env.DB_PORT)}`);
  const synchronous = env.EMBEDDED_DB_SYNCHRONOUS?.trim() || 'normal';
  if (synchronous !== 'normal' && synchronous !== 'full') throw new Error(`EMBEDDED_DB_SYNCHRONOUS must be normal or full, got ${JSON.stringify(synchronous)}`);
  return { dataDir: env.DATA_DIR?.trim() || './data', port, binary: env.FERRETDB_BIN?.trim() || undefined, synchronous };
}
