import { ParseUUIDPipe } from '@nestjs/common';
import { AppError } from '../errors/app-error';

/** Ids are UUID strings; anything else is a 400 before any database lookup. */
export const ParseIdPipe = new ParseUUIDPipe({
  exceptionFactory: () => new AppError('INVALID_INPUT', 'id must be a UUID'),
});
