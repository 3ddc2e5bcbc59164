import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigService } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import type { Env } from '../../config/env.validation';
import { ignoredInAccessLog, prettyTransport } from './log-format';
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
      serializers: {
        // Headers carry credentials and the query string may carry `?token=`: log neither.
        req: (req: { id: string; method: string; url: string; remoteAddress?: string }) => ({
          id: req.id,
          method: req.method,
          path: req.url.split('?')[0],
          remoteAddress: req.remoteAddress,
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
      autoLogging: { ignore: (request: IncomingMessage) => ignoredInAccessLog(request.url) },
    },
  }),
});
