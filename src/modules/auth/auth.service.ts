import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import type { Credential } from '../../common/auth/credentials';
import type { UserPrincipal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { PublicUser } from '../users/user.presenter';
import { AccountUpdate, UsersService } from '../users/users.service';
import { AccessTokens } from './access-tokens.service';
import { AUTH_EVENTS, LoginFailedEvent, LoginSucceededEvent } from './auth.events';
import { AuthenticationService } from './authentication.service';
import { LoginLockout } from './login-lockout';
import { SessionMetadata, SessionsService } from './sessions.service';

export interface LoginInput {
  username?: string;
  password?: string;
  token?: string;
}

/** The body of a successful login (the session `{token, user}` plus the JWT access/refresh pair). */
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

export interface VerifyResult {
  valid: true;
  user: PublicUser;
  expiresAt: string;
}

const BAD_CREDENTIALS = 'Invalid username or password';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly tokens: AccessTokens,
    private readonly authentication: AuthenticationService,
    private readonly lockout: LoginLockout,
    private readonly events: EventEmitter2,
  ) {}

  async login(input: LoginInput, metadata: SessionMetadata): Promise<LoginResult> {
    const { username, password, token } = input;
    if (token !== undefined && username === undefined && password === undefined) return this.loginWithToken(token);
    if (token === undefined && username !== undefined && password !== undefined) return this.loginWithPassword(username, password, metadata);
    throw new AppError('INVALID_INPUT', 'Provide username and password, or token');
  }

  async signup({ invitationCode, ...account }: SignupInput): Promise<{ user: PublicUser }> {
    return { user: await this.users.signUp(account, invitationCode) };
  }

  /** Any failure is 401 with `valid: false` in the body (JWT clients test that flag). */
  async verify(credential: Credential): Promise<VerifyResult> {
    try {
      const { principal, expiresAt } = await this.authentication.verify(credential);
      const user = await this.users.find(principal.userId);
      if (!user) throw new AppError('UNAUTHORIZED');
      return { valid: true, user, expiresAt: expiresAt.toISOString() };
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 401) throw error;
      throw new AppError(error.code, error.message, undefined, undefined, { valid: false });
    }
  }

  async logout(principal: UserPrincipal): Promise<{ message: string }> {
    await this.sessions.revoke(principal.sessionId, 'logout');
    return { message: 'Logged out' };
  }

  /** `POST /auth/signout`: deletes the account after checking its password; its sessions go with it. */
  async signout(principal: UserPrincipal, password: string): Promise<{ message: string }> {
    const matches = await this.users.passwordMatches(principal.userId, password);
    if (matches === undefined) throw new AppError('UNAUTHORIZED', 'Invalid session');
    if (!matches) throw new AppError('PERMISSION_DENIED', 'Invalid password');
    await this.users.remove(principal.userId, principal);
    return { message: 'Account deleted' };
  }

  async me(principal: UserPrincipal): Promise<{ user: PublicUser }> {
    const user = await this.users.find(principal.userId);
    if (!user) throw new AppError('PERMISSION_DENIED', 'Incorrect token');
    return { user };
  }

  async updateAccount(principal: UserPrincipal, update: AccountUpdate): Promise<{ user: PublicUser }> {
    const user = await this.users.updateAccount(principal.userId, update);
    if (!user) throw new AppError('UNAUTHORIZED', 'Invalid session');
    // Whoever knew the old password must not stay signed in elsewhere.
    if (update.password !== undefined) await this.sessions.revokeOthersOfUser(user.id, principal.sessionId, 'password_changed');
    return { user };
  }

  /** Rotation: the presented refresh token is spent, a new pair is issued (reuse revokes the session, except within the grace window). */
  async refresh(refreshToken: string): Promise<RefreshResult> {
    const rotated = await this.sessions.rotate(refreshToken);
    const user = await this.users.find(rotated.userId);
    if (!user || !user.is_active) throw new AppError('UNAUTHORIZED', 'Invalid refresh token');
    const access = this.tokens.issue({ sub: user.id, sid: rotated.sessionId, username: user.username, role: user.role }, rotated.rotatedAt);
    return { accessToken: access.accessToken, refreshToken: rotated.refreshToken, tokenType: 'Bearer', expiresIn: access.expiresIn };
  }

  private async loginWithPassword(username: string, password: string, metadata: SessionMetadata): Promise<LoginResult> {
    // Before any bcrypt work: a locked name costs nothing, whether or not it exists.
    const address = metadata.ip ?? 'unknown';
    const retryAfter = await this.lockout.retryAfter(username, address);
    if (retryAfter > 0) {
      this.loginFailed('locked');
      throw new AppError('RATE_LIMITED', 'Too many failed login attempts; try again later', undefined, { 'Retry-After': String(retryAfter) });
    }

    const startedAt = Date.now();
    // One bcrypt compare whether or not the name exists.
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      await this.lockout.recordFailure(username, address);
      this.loginFailed('bad_credentials');
      throw new AppError('PERMISSION_DENIED', BAD_CREDENTIALS);
    }
    if (!user.is_active) {
      this.loginFailed('inactive');
      throw new AppError('PERMISSION_DENIED', 'Account is deactivated');
    }
    // The lockout reset, the session insert and the last_login update do not depend on each other: one
    // round-trip of waiting instead of three. last_login is awaited: the answer carries the stored value,
    // and its conditional update refuses an account deactivated or deleted since it was read.
    const [session, updated] = await Promise.all([
      this.sessions.create(user.id, metadata),
      this.users.recordLogin(user.id, new Date()),
      this.lockout.reset(username, address),
    ]);
    if (!updated) {
      // Nobody holds its tokens, but an unrevoked session of a refused account must not linger.
      await this.sessions.revoke(session.sessionId, 'user_deactivated').catch(() => false);
      throw new AppError('PERMISSION_DENIED', BAD_CREDENTIALS);
    }
    this.authentication.admitNew(
      { kind: 'user', userId: updated.id, username: updated.username, role: updated.role, sessionId: session.sessionId },
      session.sessionToken,
      session.expiresAt,
      startedAt,
    );
    return this.loggedIn(updated, session.sessionId, session.sessionToken, session.refreshToken);
  }

  /** `{token}`: a session token logs in again on its own session, with a fresh access token and refresh token. */
  private async loginWithToken(token: string): Promise<LoginResult> {
    const principal = await this.authentication.authenticate({ sessionToken: token }).catch(() => {
      this.loginFailed('bad_credentials');
      throw new AppError('PERMISSION_DENIED', 'Invalid token');
    });
    const refreshToken = await this.sessions.restartRefresh(principal.sessionId);
    if (!(await this.users.find(principal.userId))) throw new AppError('PERMISSION_DENIED', 'Invalid token');
    const updated = await this.users.recordLogin(principal.userId, new Date());
    if (!updated) throw new AppError('PERMISSION_DENIED', BAD_CREDENTIALS);
    return this.loggedIn(updated, principal.sessionId, token, refreshToken);
  }

  private loggedIn(user: PublicUser, sessionId: string, sessionToken: string, refreshToken: string): LoginResult {
    const access = this.tokens.issue({ sub: user.id, sid: sessionId, username: user.username, role: user.role });
    this.events.emit(AUTH_EVENTS.loginSucceeded, { userId: user.id } satisfies LoginSucceededEvent);
    return {
      token: sessionToken,
      accessToken: access.accessToken,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      user,
    };
  }

  private loginFailed(reason: LoginFailedEvent['reason']): void {
    this.events.emit(AUTH_EVENTS.loginFailed, { reason } satisfies LoginFailedEvent);
  }
}
