import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length } from 'class-validator';
import { IsPasswordPolicy } from '../../../common/validation/password-policy';
import { OptionalEmailField, OptionalInvitationCodeField, UsernameField } from './user-fields';

/** `POST /api/users`; an account without a password exists but cannot log in. */
export class CreateApiUserDto {
  @UsernameField()
  username!: string;

  @ApiProperty({ example: 'John Doe' })
  @IsString()
  @Length(1, 64)
  display_name!: string;

  @ApiPropertyOptional({ description: '8+ chars, lower, upper, digit, special; at most 72 bytes' })
  @IsOptional()
  @IsString()
  @IsPasswordPolicy()
  password?: string;

  @OptionalEmailField()
  email?: string;

  @OptionalInvitationCodeField()
  invitationCode?: string;
}
