import { OptionalDisplayNameField, OptionalEmailField, OptionalInvitationCodeField, PasswordField, UsernameField } from './user-fields';

/** `POST /users`: a password is required here, unlike `POST /api/users`. */
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
