import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Env } from '../../config/env.validation';
import { InvitationsService } from '../invitations/invitations.service';
import type { PublicUser } from './user.presenter';
import { RegisterUserInput, UsersService } from './users.service';

/**
 * Self-service account creation, the one path of every public route that creates
 * an account (`POST /auth/signup`, `POST /users`, `POST /api/users`): with
 * REGISTRATION_MODE=invite it needs a valid invitation code, taken atomically.
 * In open mode a code is not needed and not consumed.
 */
@Injectable()
export class RegistrationService {
  private readonly inviteOnly: boolean;

  constructor(
    private readonly users: UsersService,
    private readonly invitations: InvitationsService,
    config: ConfigService<Env, true>,
  ) {
    this.inviteOnly = config.get('REGISTRATION_MODE', { infer: true }) === 'invite';
  }

  register(input: Omit<RegisterUserInput, 'role'>, invitationCode?: string): Promise<PublicUser> {
    const account = { username: input.username, password: input.password, email: input.email, display_name: input.display_name };
    if (!this.inviteOnly) return this.users.register(account);
    return this.invitations.admit(invitationCode, input.username, () => this.users.register(account));
  }
}
