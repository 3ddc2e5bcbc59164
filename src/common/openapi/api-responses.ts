import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import { ApiExtraModels, ApiProperty, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { ErrorCode } from '../errors/error-codes';

/** The `{success: true, …}` part every seed-004 style body shares; `data` is added per route. */
export class SuccessEnvelope {
  @ApiProperty({ enum: [true] })
  success!: true;
}

/** A body that only confirms: `{success: true, message}`. */
export class SuccessMessage extends SuccessEnvelope {
  @ApiProperty()
  message!: string;
}

export interface DataResponseOptions {
  status?: number;
  isArray?: boolean;
  description?: string;
  /** Properties beside `data` (e.g. `pagination`), as schemas. */
  siblings?: Record<string, { $ref: string } | { type: string }>;
  /** Models the siblings refer to. */
  extraModels?: Type<unknown>[];
}

/** `{success: true, data: Model}` (or `data: Model[]`): the generic envelope as `allOf`, so clients get `data` typed. */
export function ApiData(model: Type<unknown>, options: DataResponseOptions = {}) {
  const item = { $ref: getSchemaPath(model) };
  return applyDecorators(
    ApiExtraModels(SuccessEnvelope, model, ...(options.extraModels ?? [])),
    ApiResponse({
      status: options.status ?? 200,
      description: options.description ?? 'Success',
      schema: {
        allOf: [
          { $ref: getSchemaPath(SuccessEnvelope) },
          {
            type: 'object',
            required: ['data', ...Object.keys(options.siblings ?? {})],
            properties: { data: options.isArray ? { type: 'array', items: item } : item, ...(options.siblings ?? {}) },
          },
        ],
      },
    }),
  );
}

/** A bare body (the seed shapes that are not enveloped). */
export function ApiBody(model: Type<unknown>, options: { status?: number; isArray?: boolean; description?: string } = {}) {
  return ApiResponse({ status: options.status ?? 200, description: options.description ?? 'Success', type: model, isArray: options.isArray });
}

export const API_ERROR_CODES = 'openapi:error-codes';

/**
 * The catalogue codes a route answers beyond the ones every route may (invalid input, credentials, roles,
 * rate limits, internal error, database down), which the document adds from the route's own metadata.
 */
export const ApiErrors = (...codes: ErrorCode[]) => SetMetadata(API_ERROR_CODES, codes);
