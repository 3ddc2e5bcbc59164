import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** The credential may also come in a header (Bearer JWT or INSAkari-Connect-Token). */
export class VerifyDto {
  @ApiPropertyOptional({ description: 'An access JWT or a session token' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(2048)
  token?: string;
}
