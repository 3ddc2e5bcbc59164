import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength } from 'class-validator';
import { OptionalInvitationCodeField, PasswordField, UsernameField } from '../../users/dto/user-fields';

/** `POST /auth/signup`: username, email and password are all required. */
export class SignupDto {
  @UsernameField()
  username!: string;

  @ApiProperty({ example: 'alice@example.com' })
  @IsString()
  @MaxLength(254)
  @IsEmail()
  email!: string;

  @PasswordField()
  password!: string;

  @OptionalInvitationCodeField()
  invitationCode?: string;
}
