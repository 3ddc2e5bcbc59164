import { Global, Inject, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import mongoose, { Connection, MongooseError } from 'mongoose';
import type { Env } from '../config/env.validation';
import { guardConnection } from './availability.plugin';
import { DatabaseAvailability } from './database-availability';
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
        config.get('MONGODB_URI', { infer: true }) ? null : superviseEmbedded(config),
    },
    {
      provide: DatabaseAvailability,
      inject: [EMBEDDED_DATABASE],
      useFactory: (embedded: EmbeddedDatabase | null) => new DatabaseAvailability(embedded),
    },
  ],
  exports: [EMBEDDED_DATABASE, DatabaseAvailability],
})
class EmbeddedDatabaseModule {}

function superviseEmbedded(config: ConfigService<Env, true>): EmbeddedDatabase {
  const logger = new Logger('EmbeddedDatabase');
  const database = new EmbeddedDatabase({
    dataDir: config.get('DATA_DIR', { infer: true }),
    binary: config.get('FERRETDB_BIN', { infer: true }),
    synchronous: config.get('EMBEDDED_DB_SYNCHRONOUS', { infer: true }),
  });
  database.on('down', (reason) => logger.error(`${reason}; restarting it, database requests answer 503 meanwhile`));
  database.on('up', (attempts) => logger.log(`embedded database back after ${attempts} restart attempt(s)`));
  database.on('failed', (error) => {
    // A supervisor (systemd, Docker, Kubernetes) restarts the whole service from a clean state.
    console.error(`${error.message}; exiting`);
    process.exit(1);
  });
  return database;
}

/** Hides the credentials of a MongoDB URI in messages. */
const redact = (uri: string) => uri.replace(/\/\/[^@/]*@/, '//***@');

@Global()
@Module({
  imports: [
    EmbeddedDatabaseModule,
    MongooseModule.forRootAsync({
      imports: [EmbeddedDatabaseModule],
      inject: [ConfigService, EMBEDDED_DATABASE, DatabaseAvailability],
      useFactory: async (config: ConfigService<Env, true>, embedded: EmbeddedDatabase | null, availability: DatabaseAvailability) => {
        const configured = config.get('MONGODB_URI', { infer: true });
        const uri = configured ?? (await embedded!.start());
        // Mongoose otherwise captures a stack trace on every query, only to name where a query object was
        // executed twice (which this code never does): about 70 µs per query on the hot paths.
        mongoose.set('skipOriginalStackTraces', true);
        // One ordinary pool whatever the server: the embedded FerretDB is patched to apply updates atomically (docs/database.md).
        return {
          uri,
          dbName: config.get('MONGODB_DB', { infer: true }),
          maxPoolSize: 50,
          serverSelectionTimeoutMS: 5000,
          autoIndex: true,
          // An unreachable server fails the start at once, with one line; a supervisor retries, not a loop here.
          retryAttempts: 0,
          connectionFactory: (connection: Connection) => {
            guardConnection(connection, availability);
            return connection;
          },
          connectionErrorFactory: (error: MongooseError) =>
            new MongooseError(
              configured
                ? `The database at MONGODB_URI (${redact(uri)}) does not answer: ${error.message}. Check it, or unset MONGODB_URI to use the embedded database.`
                : `${NO_DATABASE_HINT} (${redact(uri)}: ${error.message})`,
            ),
        };
      },
    }),
  ],
  exports: [EmbeddedDatabaseModule],
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
