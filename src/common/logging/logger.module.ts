import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Env } from '../../config/env.validation';
import { accessLogSerializers, ignoredInAccessLog, prettyTransport } from './log-format';
import { requestIdOf } from './request-id';

/** Structured logs with a request id (JSON, or pretty lines at a development terminal); credentials never reach a log line. */
export const AppLoggerModule = LoggerModule.forRootAsync({
  inject: [ConfigService],
  useFactory: (config: ConfigService<Env, true>) => ({
    pinoHttp: {
      level: config.get('LOG_LEVEL', { infer: true }),
      transport: prettyTransport(config.get('NODE_ENV', { infer: true }), process.stdout.isTTY === true),
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
  }),
});
