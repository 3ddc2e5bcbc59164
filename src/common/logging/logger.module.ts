import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import pino, { type Logger } from 'pino';
import type { Env } from '../../config/env.validation';
import { accessLogSerializers, ignoredInAccessLog, prettyTransport } from './log-format';
import { requestIdOf } from './request-id';

/** Structured logs (JSON, or pretty lines at a development terminal); credentials never reach a log line. */
export const AppLoggerModule = LoggerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Env, true>): Params => ({
    pinoHttp: {
      // One logger for the application's lines and the access log.
      logger: pino({
        level: config.get('LOG_LEVEL', { infer: true }),
        transport: prettyTransport(config.get('NODE_ENV', { infer: true }), process.stdout.isTTY === true),
      }),
    },
    // No per-request middleware from nestjs-pino (AccessLogMiddleware instead): it runs every request inside an
    // AsyncLocalStorage context, which on Node 20 turns on promise hooks for the whole process (about a tenth
    // of a small REST request's CPU, and a cost on every promise the sockets make), and pino-http builds a
    // child logger with the request serialized for each request, whether or not a line is written.
    forRoutes: [],
  }),
});

/**
 * Every HTTP request's id (the client's well-formed `X-Request-Id`, else a new one) in `request.id` and the
 * `X-Request-Id` answer header, and one access log line when the answer is done, in pino-http's shape.
 * Lines logged while handling a request name it themselves where it matters (the exception filter).
 */
@Injectable()
export class AccessLogMiddleware implements NestMiddleware {
  private readonly logger: Logger;

  constructor(@Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    this.logger = (params.pinoHttp as { logger: Logger }).logger;
  }

  use(request: IncomingMessage & { id?: string }, response: ServerResponse, next: () => void): void {
    request.id = requestIdOf(request);
    response.setHeader('X-Request-Id', request.id);
    if (this.logger.isLevelEnabled('info') && !ignoredInAccessLog(request.url)) {
      const startedAt = Date.now();
      response.once('close', () => this.written(request, response, Date.now() - startedAt));
    }
    next();
  }

  private written(request: IncomingMessage, response: ServerResponse, responseTime: number): void {
    const line = { req: accessLogSerializers.req(request), res: accessLogSerializers.res(response), responseTime };
    // 'close' without a finished answer: the client went away first.
    this.logger.info(line, response.writableFinished ? 'request completed' : 'request aborted');
  }
}
