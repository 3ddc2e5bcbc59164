import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** `{username, password}` or `{token}` (a session token from an earlier login); which one is checked by the service. */
export class LoginDto {
  @ApiPropertyOptional({ example: 'alice' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username?: string;

  @ApiPropertyOptional({ example: 'S3cure!pass' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password?: string;

  @ApiPropertyOptional({ description: 'A session token from an earlier login' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  token?: string;
}
