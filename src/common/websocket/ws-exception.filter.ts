import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppError, toWsError } from '../errors/app-error';
import { ackError, AckCallback } from './ws-ack';

/**
 * Errors of a socket event handler leave in the SPEC shape: through the ack
 * callback as `{ok:false, error_code, message}` when the client passed one,
 * otherwise as an `error` event `{error_code, message}`. The socket stays up.
 */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'ws') throw exception;
    if (!(exception instanceof AppError) || exception.status >= 500) {
      this.logger.error({ err: exception }, 'socket event failed');
    }
    // Nest calls a message handler with (client, data, ack, pattern).
    const client = host.getArgByIndex<Socket>(0);
    const ack = host.getArgByIndex<unknown>(2);
    if (typeof ack === 'function') (ack as AckCallback)(ackError(exception));
    else client.emit('error', toWsError(exception));
  }
}
