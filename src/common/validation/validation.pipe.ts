import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorDetail } from '../errors/app-error';

/** Flattens class-validator errors into one detail per failed field and rule. */
export function toErrorDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field: clip(field), rule, message: clip(message) }));
    return [...own, ...toErrorDetails(error.children ?? [], field)];
  });
}

/** Field names come from the client: an echoed 50 KB key would make the answer as large as the request. */
const MAX_ECHOED_TEXT = 200;
const clip = (text: string) => (text.length > MAX_ECHOED_TEXT ? `${text.slice(0, MAX_ECHOED_TEXT)}…` : text);

/** A body with thousands of bad fields gets a bounded answer: this many details, and a count of the rest. */
export const MAX_ERROR_DETAILS = 20;

export function validationError(errors: ValidationError[]): AppError {
  const all = toErrorDetails(errors);
  const details = all.slice(0, MAX_ERROR_DETAILS);
  const more = all.length - details.length;
  const message = details.length > 0 ? details.map((detail) => detail.message).join('; ') + (more > 0 ? `; and ${more} more` : '') : 'Invalid input';
  return new AppError('INVALID_INPUT', message, details);
}

/**
 * Strict validation for every DTO: unknown fields are refused, not silently
 * dropped, and nothing is coerced implicitly (a number is not a string).
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    validationError: { target: false, value: false },
    exceptionFactory: validationError,
  });
}
