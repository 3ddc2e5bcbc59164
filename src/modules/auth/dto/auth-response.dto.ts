import { ApiProperty } from '@nestjs/swagger';
import { OwnUserDto } from '../../users/dto/user-response.dto';
import type { LoginResult, RefreshResult, VerifyResult } from '../auth.service';

export class RefreshResultDto implements RefreshResult {
  /** JWT for `Authorization: Bearer` */
  accessToken!: string;
  /** Single use: POST /auth/refresh answers a new one */
  refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
  /** Seconds until accessToken expires */
  expiresIn!: number;
}

export class LoginResultDto extends RefreshResultDto implements LoginResult {
  /** The session token, for the `INSAkari-Connect-Token` header */
  token!: string;
  user!: OwnUserDto;
}

export class VerifyResultDto implements VerifyResult {
  @ApiProperty({ enum: [true] })
  valid!: true;
  user!: OwnUserDto;
  /** ISO 8601 */
  expiresAt!: string;
}
