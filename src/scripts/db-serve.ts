import { readDbServeEnv } from '../config/db-serve.env';
import { EmbeddedDatabase } from '../database/embedded-database';

/**
 * `npm run db:serve`: the embedded database alone, in the foreground, for several instances
 * of the service on one host (each started with the printed MONGODB_URI). Prints exactly one
 * line on stdout, `MONGODB_URI=mongodb://127.0.0.1:<port>/`, once it accepts connections;
 * everything else goes to stderr. Stops on SIGTERM or SIGINT with exit code 0.
 */
async function main(): Promise<void> {
  const env = readDbServeEnv();
  const database = new EmbeddedDatabase({ dataDir: env.dataDir, port: env.port, binary: env.binary, synchronous: env.synchronous });
  database.on('down', (reason) => console.error(`db:serve: ${reason}; restarting it`));
  database.on('up', (attempts) => console.error(`db:serve: back after ${attempts} restart attempt(s)`));
  database.on('failed', (error) => {
    console.error(`db:serve: ${error.message}; exiting`);
    process.exit(1);
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    console.error(`db:serve: ${signal}, stopping`);
    database.dispose().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`db:serve: stopping failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);

  const uri = await database.start();
  console.log(`MONGODB_URI=${uri}`);
  console.error(`db:serve: embedded database (FerretDB) on ${uri}, data in ${env.dataDir}; Ctrl-C stops it`);
}

main().catch((error: Error) => {
  console.error(`db:serve failed: ${error.message}`);
  process.exit(1);
});
