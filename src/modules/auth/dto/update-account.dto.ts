import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { IsPasswordPolicy } from '../../../common/validation/password-policy';
import { USERNAME_PATTERN } from '../../users/dto/user-fields';

/** `POST /auth/user`: any of the three; absent fields stay as they are. */
export class UpdateAccountDto {
  @ApiPropertyOptional({ example: 'alice2', pattern: USERNAME_PATTERN.source })
  @IsOptional()
  @IsString()
  @Matches(USERNAME_PATTERN, { message: 'username must be 3-32 characters of A-Z a-z 0-9 _ . -' })
  username?: string;

  @ApiPropertyOptional({ example: 'alice@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email?: string;

  @ApiPropertyOptional({ description: '8+ chars, lower, upper, digit, special; at most 72 bytes' })
  @IsOptional()
  @IsString()
  @IsPasswordPolicy()
  password?: string;
}
