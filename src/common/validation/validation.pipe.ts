import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError, ErrorDetail } from '../errors/app-error';

/** Flattens class-validator errors into one detail per failed field and rule. */
export function toErrorDetails(errors: ValidationError[], parent = ''): ErrorDetail[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.entries(error.constraints ?? {}).map(([rule, message]) => ({ field, rule, message }));
    return [...own, ...toErrorDetails(error.children ?? [], field)];
  });
}

export function validationError(errors: ValidationError[]): AppError {
  const details = toErrorDetails(errors);
  const message = details.length > 0 ? details.map((detail) => detail.message).join('; ') : 'Invalid input';
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
