import type { INestApplication } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { Request } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { serveConsole } from './common/console/serve-console';
import { AppError } from './common/errors/app-error';
import { deferRefusal } from './common/http/early-refusal';
import { jsonBody } from './common/http/json-body';
import { createOpenApiDocument } from './common/openapi/openapi-document';
import { AppIoAdapter } from './common/websocket/io.adapter';
import { corsOrigins, originAllowed } from './config/cors';
import type { Env } from './config/env.validation';
import { parseTrustProxy } from './config/trust-proxy';
import openApiMetadata from './metadata';

/** Browsers may reuse a preflight answer this long (seconds) instead of asking before every authenticated request. */
const CORS_MAX_AGE_S = 3600;

/** Everything main.ts applies to the app; the e2e tests apply the very same. */
export async function configureApp(app: NestExpressApplication): Promise<INestApplication> {
  const config = app.get<ConfigService<Env, true>>(ConfigService);
  const logger = app.get(Logger);
  app.useLogger(logger);
  if (config.get('JWT_SECRET_GENERATED', { infer: true })) {
    logger.warn('JWT_SECRET is not set: using a random secret for this process (tokens die with it)');
  }

  app.disable('x-powered-by');
  // JSON answers are not cached conditionally; and an ETag must never make a token response revalidatable.
  app.set('etag', false);
  // Only the proxies TRUST_PROXY names may set the client IP (rate limits, lockout, session metadata).
  app.set('trust proxy', parseTrustProxy(config.get('TRUST_PROXY', { infer: true })));

  // Order matters: security headers, then CORS, then the body. A request refused by CORS or by the body
  // parser is only marked here and answered after the logger and the metrics saw it (EarlyRefusalMiddleware).
  app.use(helmet({ contentSecurityPolicy: false, frameguard: { action: 'deny' }, referrerPolicy: { policy: 'no-referrer' } }));
  const allowed = new Set(corsOrigins(config));
  const cors = {
    methods: ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    allowedHeaders: ['Content-Type', 'Authorization', 'INSAkari-Connect-Token', 'X-API-Key', 'X-Request-Id'],
    exposedHeaders: ['X-Request-Id', 'Retry-After'],
    maxAge: CORS_MAX_AGE_S,
  };
  // Per request, because the service's own origin (the console's) is judged against the Host it was asked on.
  app.enableCors((request: Request, callback: (error: Error | null, options: object) => void) => {
    if (originAllowed(request.headers.origin, request.headers.host, allowed)) return callback(null, { ...cors, origin: true });
    deferRefusal(request, new AppError('PERMISSION_DENIED', 'Origin not allowed by CORS'));
    // The refused preflight goes on to be answered 403 like any other refused request.
    callback(null, { origin: false, preflightContinue: true });
  });
  app.use(jsonBody(config.get('BODY_LIMIT_BYTES', { infer: true })));
  app.useWebSocketAdapter(new AppIoAdapter(app, [...allowed]));

  const swagger = config.get('SWAGGER_ENABLED', { infer: true });
  if (swagger === undefined ? config.get('NODE_ENV', { infer: true }) !== 'production' : swagger === 'true') {
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
