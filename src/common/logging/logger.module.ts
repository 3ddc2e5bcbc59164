import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, NestMiddleware } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { LoggerModule, PARAMS_PROVIDER_TOKEN, type Params } from 'nestjs-pino';
import pino from 'pino';
import { type HttpLogger, type Options, pinoHttp } from 'pino-http';
import type { Env } from '../../config/env.validation';
import { accessLogSerializers, ignoredInAccessLog, prettyTransport } from './log-format';
import { requestIdOf } from './request-id';

/** Structured logs with a request id (JSON, or pretty lines at a development terminal); credentials never reach a log line. */
export const AppLoggerModule = LoggerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Env, true>): Params => ({
    pinoHttp: {
      // One logger for the application's lines and the access log.
      logger: pino({
        level: config.get('LOG_LEVEL', { infer: true }),
        transport: prettyTransport(config.get('NODE_ENV', { infer: true }), process.stdout.isTTY === true),
      }),
      genReqId: (request: IncomingMessage, response: ServerResponse) => {
        const id = requestIdOf(request);
        response.setHeader('X-Request-Id', id);
        return id;
      },
      // Given the raw request and response: pino-http's wrapping would first copy every header of each
      // request into a plain object (for the request's child logger, made whether or not a line is written).
      wrapSerializers: false,
      serializers: accessLogSerializers,
      autoLogging: { ignore: (request: IncomingMessage) => ignoredInAccessLog(request.url) },
    },
    // nestjs-pino's own middleware would run every request inside an AsyncLocalStorage context. On Node 20
    // that turns on promise hooks for the whole process: about a tenth of a small REST request's CPU, and a
    // cost on every promise the sockets make too. AccessLogMiddleware writes the same access log without it;
    // a line logged while handling a request names the request itself where it matters (the error filter).
    forRoutes: [],
  }),
});

/** The access log and the `X-Request-Id` of every HTTP request, from the options above. */
@Injectable()
export class AccessLogMiddleware implements NestMiddleware {
  private readonly log: HttpLogger;

  constructor(@Inject(PARAMS_PROVIDER_TOKEN) params: Params) {
    this.log = pinoHttp(params.pinoHttp as Options);
  }

  use(request: IncomingMessage, response: ServerResponse, next: () => void): void {
    this.log(request, response, next);
  }
}
