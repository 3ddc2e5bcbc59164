import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Request } from 'express';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { serveConsole } from './common/console/serve-console';
import { AppError } from './common/errors/app-error';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import { AppIoAdapter } from './common/websocket/io.adapter';
import { corsOrigins, originAllowed } from './config/cors';
import type { Env } from './config/env.validation';
import openApiMetadata from './metadata';

/** Everything main.ts applies to the app; the e2e tests apply the very same. */
export async function configureApp(app: NestExpressApplication): Promise<INestApplication> {
  const config = app.get<ConfigService<Env, true>>(ConfigService);
  const logger = app.get(Logger);
  app.useLogger(logger);
  if (config.get('JWT_SECRET_GENERATED', { infer: true })) {
    logger.warn('JWT_SECRET is not set: using a random secret for this process (tokens die with it)');
  }

  app.disable('x-powered-by');
  // Behind a load balancer the client IP (rate limits, session metadata) comes from X-Forwarded-For.
  app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.useBodyParser('json', { limit: config.get('BODY_LIMIT_BYTES', { infer: true }) });

  const allowed = new Set(corsOrigins(config));
  app.useWebSocketAdapter(new AppIoAdapter(app, [...allowed]));
  const cors = {
    origin: true,
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'INSAkari-Connect-Token', 'X-API-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
  };
  // Per request, because the service's own origin (the console's) is judged against the Host it was asked on.
  app.enableCors((request: Request, callback: (error: Error | null, options: typeof cors) => void) => {
    if (originAllowed(request.headers.origin, request.headers.host, allowed)) callback(null, cors);
    else callback(new AppError('PERMISSION_DENIED', 'Origin not allowed by CORS'), cors);
  });

  if (config.get('SWAGGER_ENABLED', { infer: true }) === 'true') {
    await loadOpenApiMetadata();
    const document = createOpenApiDocument(app);
    SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
  }
  if (!serveConsole(app)) logger.warn('The web console is not built (npm run build:console): /console is not served');
  return app;
}

/**
 * What the @nestjs/swagger CLI plugin derives from the types (src/metadata.ts, `npm run openapi:metadata`), so
 * code that `nest build` did not compile (ts-jest) documents the same schemas.
 */
export async function loadOpenApiMetadata(): Promise<void> {
  await SwaggerModule.loadPluginMetadata(openApiMetadata);
}
