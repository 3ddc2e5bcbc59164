import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { HealthService } from './modules/health/health.service';

export interface ShutdownOptions {
  /** How long readiness fails before connections close (SHUTDOWN_DRAIN_MS). */
  drainMs: number;
  /** The whole shutdown, drain included, must end within this. */
  deadlineMs: number;
  exit?: (code: number) => void;
  log?: (message: string) => void;
}

/**
 * SIGTERM/SIGINT: readiness turns 503 first, then after the drain the server stops accepting, sockets are told and
 * app.close() flushes and closes everything; exit 0. Nest's own signal hooks would re-raise the signal (exit 143).
 */
export function installShutdown(app: INestApplication, options: ShutdownOptions): () => void {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const log = options.log ?? ((message: string) => console.error(message));
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      log(`shutdown did not finish within ${options.deadlineMs} ms after ${signal}; exiting`);
      exit(1);
    }, options.deadlineMs).unref();
    app.get(HealthService).beginDrain();
    setTimeout(() => {
      // Stop accepting connections first; open requests and sockets finish in app.close().
      (app.getHttpServer() as Server).close();
      app.close().then(
        () => exit(0),
        (error: Error) => {
          log(`shutdown failed: ${error.message}`);
          exit(1);
        },
      );
    }, options.drainMs);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return () => {
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
  };
}
