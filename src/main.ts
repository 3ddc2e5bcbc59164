import 'reflect-metadata';
import { ConfigService } from '@nestjs/config';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { databaseLabel, startupLine } from './common/logging/log-format';
import type { Env } from './config/env.validation';
import { installShutdown } from './shutdown';

const SHUTDOWN_DEADLINE_MS = 10_000;

async function bootstrap(): Promise<void> {
  // No logger until pino takes over in configureApp: a failed start prints the one line below, not a stack.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(), {
    logger: false,
    abortOnError: false,
    bodyParser: false,
  });
  await configureApp(app);
  const config = app.get<ConfigService<Env, true>>(ConfigService);
  const host = config.get('HOST', { infer: true });
  await app.listen(config.get('PORT', { infer: true }), host);
  const { port } = app.getHttpServer().address() as AddressInfo;
  // A launcher that started us with an IPC channel (tests, benches) learns the port PORT=0 got.
  process.send?.({ listening: port });
  const reachable = host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  app.get(Logger).log(
    startupLine({
      url: `http://${reachable}:${port}`,
      database: databaseLabel(config.get('MONGODB_URI', { infer: true }), config.get('MONGODB_DB', { infer: true })),
      docs: config.get('SWAGGER_ENABLED', { infer: true }) === 'true',
    }),
  );

  installShutdown(app, { drainMs: config.get('SHUTDOWN_DRAIN_MS', { infer: true }), deadlineMs: SHUTDOWN_DEADLINE_MS });
}

bootstrap().catch((error: Error) => {
  console.error(`Startup failed: ${error.message}`);
  process.exit(1);
});
