import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import type { Env } from './config/env.validation';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  // No logger until pino takes over in configureApp: a failed start prints the one line below, not a stack.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    logger: false,
    abortOnError: false,
    bodyParser: false,
  });
  configureApp(app);
  const config = app.get<ConfigService<Env, true>>(ConfigService);
  await app.listen(config.get('PORT', { infer: true }), config.get('HOST', { infer: true }));
  // A launcher that started us with an IPC channel (tests, benches) learns the port PORT=0 got.
  process.send?.({ listening: (app.getHttpServer().address() as AddressInfo).port });

  // Nest's own signal hooks re-raise the signal (exit 143); the contract is a clean exit 0.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      console.error(`shutdown did not finish within ${SHUTDOWN_DEADLINE_MS} ms after ${signal}; exiting`);
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    // Stop accepting connections first; open requests and sockets finish in app.close().
    app.getHttpServer().close();
    app.close().then(
      () => process.exit(0),
      (error: Error) => {
        console.error(`shutdown failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

bootstrap().catch((error: Error) => {
  console.error(`Startup failed: ${error.message}`);
  process.exit(1);
});
