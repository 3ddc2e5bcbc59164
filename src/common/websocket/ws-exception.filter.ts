import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { Socket } from 'socket.io';
import { AppError } from '../errors/app-error';
import { replyError } from './ws-ack';

/** Errors of a socket event handler leave in the SPEC shape (replyError); a 5xx is logged. */
@Catch()
export class WsExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('WsExceptionFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'ws') throw exception;
    if (!(exception instanceof AppError) || exception.status >= 500) {
      this.logger.error({ err: exception }, 'socket event failed');
    }
    // Nest calls a message handler with (client, data, ack, pattern).
    replyError(host.getArgByIndex<Socket>(0), host.getArgByIndex<unknown>(2), exception);
  }
}
