import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import { Connection, createConnection } from 'mongoose';
import type { Env } from '../config/env.validation';
import { EmbeddedDatabase, NO_DATABASE_HINT } from './embedded-database';

export const EMBEDDED_DATABASE = Symbol('EMBEDDED_DATABASE');

/** Provides the embedded FerretDB when MONGODB_URI is unset (DatabaseModule stops it last). */
@Global()
@Module({
  providers: [
    {
      provide: EMBEDDED_DATABASE,
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>): EmbeddedDatabase | null =>
        config.get('MONGODB_URI', { infer: true })
          ? null
          : new EmbeddedDatabase({ dataDir: config.get('DATA_DIR', { infer: true }), binary: config.get('FERRETDB_BIN', { infer: true }) }),
    },
  ],
  exports: [EMBEDDED_DATABASE],
})
class EmbeddedDatabaseModule {}

/**
 * FerretDB v1 applies every update as read, modify in Go, write back, with no lock:
 * concurrent `$inc`s on one document lose updates (measured: 50 parallel gave 14).
 * It handles one connection's messages in order, so a single-connection pool makes
 * each operation atomic again for this process. See docs/database.md.
 */
async function isFerretDb(uri: string): Promise<boolean> {
  const probe = await createConnection(uri, { serverSelectionTimeoutMS: 5000, maxPoolSize: 1 }).asPromise();
  try {
    const info = await probe.db!.admin().command({ buildInfo: 1 });
    return typeof info.ferretdbVersion === 'string';
  } finally {
    await probe.close();
  }
}

function mongooseOptions(uri: string, config: ConfigService<Env, true>, ferret: boolean) {
  return {
    uri,
    dbName: config.get('MONGODB_DB', { infer: true }),
    maxPoolSize: ferret ? 1 : 50,
    serverSelectionTimeoutMS: 5000,
    autoIndex: true,
  };
}

@Global()
@Module({
  imports: [
    EmbeddedDatabaseModule,
    MongooseModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [ConfigService, EMBEDDED_DATABASE],
      useFactory: async (config: ConfigService<Env, true>, embedded: EmbeddedDatabase | null) => {
        const configured = config.get('MONGODB_URI', { infer: true });
        if (!configured) return mongooseOptions(await embedded!.start(), config, true);
        const ferret = await isFerretDb(configured).catch((error: Error) => {
          throw new Error(`${NO_DATABASE_HINT} (${configured.replace(/\/\/[^@/]*@/, '//***@')}: ${error.message})`);
        });
        return mongooseOptions(configured, config, ferret);
      },
    }),
  ],
})
export class DatabaseModule implements OnApplicationShutdown {
  private readonly logger = new Logger(DatabaseModule.name);

  constructor(
    @Inject(getConnectionToken()) private readonly connection: Connection,
    @Inject(EMBEDDED_DATABASE) private readonly embedded: EmbeddedDatabase | null,
  ) {}

  /**
   * The last step of a shutdown: sockets were closed (onModuleDestroy) and counters
   * flushed (beforeApplicationShutdown); then the connection, then the embedded database.
   */
  async onApplicationShutdown(): Promise<void> {
    await this.connection.close().catch((error: Error) => this.logger.warn(`closing the database connection: ${error.message}`));
    await this.embedded?.dispose();
  }
}
