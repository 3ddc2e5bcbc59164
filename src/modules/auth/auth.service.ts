import { Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes } from 'node:crypto';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { PasswordHasher } from '../users/password-hasher.service';
import { RegistrationService } from '../users/registration.service';
import { UserRecord } from '../users/schemas/user.schema';
import { PublicUser, toPublicUser } from '../users/user.presenter';
import { AccountChanges, UsersRepository } from '../users/users.repository';
import { UsersService } from '../users/users.service';
import { AccessTokens } from './access-tokens.service';
import { AUTH_EVENTS, LoginFailedEvent, LoginSucceededEvent } from './auth.events';
import type { Credential } from '../../common/auth/credentials';
import { AuthenticationService } from './authentication.service';
import { LoginLockout } from './login-lockout';
import { SessionMetadata, SessionsService } from './sessions.service';

export interface LoginInput {
  username?: string;
  password?: string;
  token?: string;
}

/** The body of a successful login (seed 002's `{token, user}` plus seed 003's JWT pair). */
export interface LoginResult {
  token: string;
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  user: PublicUser;
}

export interface RefreshResult {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

export interface SignupInput {
  username: string;
  email: string;
  password: string;
  invitationCode?: string;
}

export interface AccountUpdate {
  username?: string;
  email?: string;
  password?: string;
}

export interface VerifyResult {
  valid: true;
  user: PublicUser;
  expiresAt: string;
}

const BAD_CREDENTIALS = 'Invalid username or password';

@Injectable()
export class AuthService implements OnModuleInit {
  /** Compared against when the username is unknown, so both cases cost one bcrypt compare. */
  private dummyHash = '';

  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: UsersService,
    private readonly registration: RegistrationService,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsService,
    private readonly tokens: AccessTokens,
    private readonly authentication: AuthenticationService,
    private readonly lockout: LoginLockout,
    private readonly events: EventEmitter2,
  ) {}

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hasher.hash(randomBytes(18).toString('base64'));
  }

  async login(input: LoginInput, metadata: SessionMetadata): Promise<LoginResult> {
    const { username, password, token } = input;
    if (token !== undefined && username === undefined && password === undefined) return this.loginWithToken(token);
    if (token === undefined && username !== undefined && password !== undefined) return this.loginWithPassword(username, password, metadata);
    throw new AppError('INVALID_INPUT', 'Provide username and password, or token');
  }

  async signup({ invitationCode, ...account }: SignupInput): Promise<{ user: PublicUser }> {
    return { user: await this.registration.register(account, invitationCode) };
  }

  /** Any failure is 401 with `valid: false` in the body (seed 003 clients test that flag). */
  async verify(credential: Credential): Promise<VerifyResult> {
    try {
      const { principal, expiresAt } = await this.authentication.verify(credential);
      const user = await this.users.findById(principal.userId);
      if (!user) throw new AppError('UNAUTHORIZED');
      return { valid: true, user: toPublicUser(user), expiresAt: expiresAt.toISOString() };
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 401) throw error;
      throw new AppError(error.code, error.message, undefined, undefined, { valid: false });
    }
  }

  async logout(principal: UserPrincipal): Promise<{ message: string }> {
    await this.sessions.revoke(principal.sessionId, 'logout');
    return { message: 'Logged out' };
  }

  /** Seed 002: deletes the account after checking its password; its sessions go with it. */
  async signout(principal: UserPrincipal, password: string): Promise<{ message: string }> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new AppError('UNAUTHORIZED', 'Invalid session');
    if (!user.password_hash || !(await this.hasher.verify(password, user.password_hash))) {
      throw new AppError('PERMISSION_DENIED', 'Invalid password');
    }
    await this.accounts.remove(user._id, principal);
    return { message: 'Account deleted' };
  }

  async me(principal: UserPrincipal): Promise<{ user: PublicUser }> {
    const user = await this.users.findById(principal.userId);
    if (!user) throw new AppError('PERMISSION_DENIED', 'Incorrect token');
    return { user: toPublicUser(user) };
  }

  async updateAccount(principal: UserPrincipal, update: AccountUpdate): Promise<{ user: PublicUser }> {
    const changes: AccountChanges = { username: update.username, email: update.email };
    if (update.password !== undefined) changes.password_hash = await this.hasher.hash(update.password);
    const user = await this.users.updateAccount(principal.userId, changes);
    if (!user) throw new AppError('UNAUTHORIZED', 'Invalid session');
    // Whoever knew the old password must not stay signed in elsewhere.
    if (changes.password_hash) await this.sessions.revokeOthersOfUser(user._id, principal.sessionId, 'password_changed');
    return { user: toPublicUser(user) };
  }

  /** Rotation: the presented refresh token is spent, a new pair is issued (reuse revokes the session). */
  async refresh(refreshToken: string): Promise<RefreshResult> {
    const rotated = await this.sessions.rotate(refreshToken);
    const user = await this.users.findById(rotated.userId);
    if (!user || !user.is_active) throw new AppError('UNAUTHORIZED', 'Invalid refresh token');
    const access = this.tokens.issue({ sub: user._id, sid: rotated.sessionId, username: user.username, role: user.role });
    return { accessToken: access.accessToken, refreshToken: rotated.refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  private async loginWithPassword(username: string, password: string, metadata: SessionMetadata): Promise<LoginResult> {
    // Before any bcrypt work: a locked name costs nothing, whether or not it exists.
    const retryAfter = this.lockout.retryAfter(username);
    if (retryAfter > 0) {
      this.loginFailed('locked');
      throw new AppError('RATE_LIMITED', 'Too many failed login attempts; try again later', undefined, { 'Retry-After': String(retryAfter) });
    }

    const user = await this.users.findByUsername(username);
    const matches = await this.hasher.verify(password, user?.password_hash ?? this.dummyHash);
    if (!user || !user.password_hash || !matches) {
      this.lockout.recordFailure(username);
      this.loginFailed('bad_credentials');
      throw new AppError('PERMISSION_DENIED', BAD_CREDENTIALS);
    }
    if (!user.is_active) {
      this.loginFailed('inactive');
      throw new AppError('PERMISSION_DENIED', 'Account is deactivated');
    }
    this.lockout.reset(username);

    const session = await this.sessions.create(user._id, metadata);
    return this.loggedIn(user, session.sessionId, session.sessionToken, session.refreshToken);
  }

  /** Seed 002: a session token logs in again on its own session, with a fresh access token and refresh token. */
  private async loginWithToken(token: string): Promise<LoginResult> {
    const principal = await this.authentication.authenticate({ sessionToken: token }).catch(() => {
      this.loginFailed('bad_credentials');
      throw new AppError('PERMISSION_DENIED', 'Invalid token');
    });
    const refreshToken = await this.sessions.restartRefresh(principal.sessionId);
    const user = await this.users.findById(principal.userId);
    if (!user) throw new AppError('PERMISSION_DENIED', 'Invalid token');
    return this.loggedIn(user, principal.sessionId, token, refreshToken);
  }

  private async loggedIn(user: UserRecord, sessionId: string, sessionToken: string, refreshToken: string): Promise<LoginResult> {
    const updated = await this.users.recordLogin(user._id, new Date());
    if (!updated) throw new AppError('PERMISSION_DENIED', BAD_CREDENTIALS);
    const access = this.tokens.issue({ sub: updated._id, sid: sessionId, username: updated.username, role: updated.role });
    this.events.emit(AUTH_EVENTS.loginSucceeded, { userId: updated._id } satisfies LoginSucceededEvent);
    return {
      token: sessionToken,
      accessToken: access.accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      user: toPublicUser(updated),
    };
  }

  private loginFailed(reason: LoginFailedEvent['reason']): void {
    this.events.emit(AUTH_EVENTS.loginFailed, { reason } satisfies LoginFailedEvent);
  }
}
