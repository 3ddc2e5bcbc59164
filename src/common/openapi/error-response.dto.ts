import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ErrorDetail } from '../errors/app-error';
import type { ErrorBody } from '../errors/error-body';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors/error-codes';

export class ErrorDetailDto implements ErrorDetail {
  @ApiProperty({ description: 'The field (dotted path) that failed' })
  field!: string;

  @ApiProperty({ description: 'The rule it broke, e.g. `isEmail`' })
  rule!: string;

  @ApiProperty()
  message!: string;
}

/** The one error body of every HTTP error; `error_code` is the catalogue's enum. */
export class ErrorResponseDto implements ErrorBody {
  @ApiProperty({ enum: [false] })
  success!: false;

  @ApiProperty({ type: 'integer', example: 404 })
  statusCode!: number;

  @ApiProperty({ enum: Object.keys(ERROR_CATALOGUE), enumName: 'ErrorCode' })
  error_code!: ErrorCode;

  @ApiProperty()
  message!: string;

  @ApiProperty({ description: 'The same text as `message`' })
  error!: string;

  @ApiProperty({ type: 'integer', description: 'Unix seconds' })
  timestamp!: number;

  @ApiProperty()
  path!: string;

  @ApiPropertyOptional()
  request_id?: string;

  @ApiPropertyOptional({ type: [ErrorDetailDto], maxItems: 20, description: 'One entry per failed field or rule (validation errors)' })
  details?: ErrorDetailDto[];
}
