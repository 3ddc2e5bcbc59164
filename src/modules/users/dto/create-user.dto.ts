import { OptionalDisplayNameField, OptionalEmailField, OptionalInvitationCodeField, PasswordField, UsernameField } from './user-fields';

/** Seed 000: `POST /users`. */
export class CreateUserDto {
  @UsernameField()
  username!: string;

  @PasswordField()
  password!: string;

  @OptionalEmailField()
  email?: string;

  @OptionalDisplayNameField()
  display_name?: string;

  @OptionalInvitationCodeField()
  invitationCode?: string;
}
