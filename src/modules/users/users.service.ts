import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isAdmin, Principal, Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import type { Env } from '../../config/env.validation';
import { InvitationsService } from '../invitations/invitations.service';
import { PasswordHasher } from './password-hasher.service';
import { UserProfileCache } from './user-profile-cache';
import { PublicUser, toPublicUser } from './user.presenter';
import { USER_EVENTS, UserCreatedEvent, UserDeletedEvent, UserScoreUpdatedEvent } from './users.events';
import { AccountChanges, UsersRepository } from './users.repository';

export interface RegisterUserInput {
  username: string;
  password?: string;
  email?: string;
  display_name?: string;
  role?: Role;
}

/** The sign-in fields an account holder may change (`POST /auth/user`); a new password is hashed here. */
export interface AccountUpdate {
  username?: string;
  email?: string;
  password?: string;
}

/**
 * The users module's one public service: account creation, the directory, and
 * the account operations the auth module needs (credentials, last login,
 * sign-in fields). Password hashes never leave it. Reads of one account by id
 * go through the UserProfileCache, which every write here drops.
 */
@Injectable()
export class UsersService {
  private readonly inviteOnly: boolean;

  constructor(
    private readonly users: UsersRepository,
    private readonly profiles: UserProfileCache,
    private readonly hasher: PasswordHasher,
    private readonly invitations: InvitationsService,
    private readonly events: EventEmitter2,
    config: ConfigService<Env, true>,
  ) {
    this.inviteOnly = config.get('REGISTRATION_MODE', { infer: true }) === 'invite';
  }

  /** Creates an account with any role, unconditionally: the bootstrap admin and the seed script. */
  async register(input: RegisterUserInput): Promise<PublicUser> {
    const record = await this.users.create({
      username: input.username,
      email: input.email ?? null,
      display_name: input.display_name ?? input.username,
      password_hash: input.password ? await this.hasher.hash(input.password) : null,
      role: input.role,
    });
    const user = toPublicUser(record);
    this.events.emit(USER_EVENTS.created, { user } satisfies UserCreatedEvent);
    return user;
  }

  /**
   * Self-service account creation, the one path of every public route that creates
   * an account (`POST /auth/signup`, `POST /users`, `POST /api/users`): with
   * REGISTRATION_MODE=invite it needs a valid invitation code, taken atomically.
   * In open mode a code is optional, but one that is given is checked and consumed
   * the same way, so the invitation records who joined through it.
   */
  signUp(input: Omit<RegisterUserInput, 'role'>, invitationCode?: string): Promise<PublicUser> {
    const account = { username: input.username, password: input.password, email: input.email, display_name: input.display_name };
    if (!this.inviteOnly && invitationCode === undefined) return this.register(account);
    return this.invitations.admit(invitationCode, input.username, () => this.register(account));
  }

  async list(limit: number, offset: number): Promise<PublicUser[]> {
    return (await this.users.list(limit, offset)).map(toPublicUser);
  }

  countAll(): Promise<number> {
    return this.users.countAll();
  }

  async leaderboard(limit: number): Promise<PublicUser[]> {
    return (await this.users.topByScore(limit)).map(toPublicUser);
  }

  async get(id: string): Promise<PublicUser> {
    const user = await this.find(id);
    if (!user) throw new AppError('USER_NOT_FOUND');
    return user;
  }

  /** The account, active or not; null when there is none. Cached: the object is shared and frozen. */
  find(id: string): Promise<PublicUser | null> {
    const cached = this.profiles.get(id);
    if (cached) return Promise.resolve(cached);
    return this.profiles.load(id, async () => {
      const user = await this.users.findById(id);
      return user ? toPublicUser(user) : null;
    });
  }

  /**
   * The account that `username` and `password` sign in to, active or not; null for
   * an unknown name or a wrong password. Always one lookup and exactly one bcrypt
   * compare, so the answer time does not tell whether the name exists.
   */
  async verifyCredentials(username: string, password: string): Promise<PublicUser | null> {
    const user = await this.users.findByUsername(username);
    const matches = await this.hasher.verify(password, user?.password_hash);
    return user && matches ? toPublicUser(user) : null;
  }

  /** Whether `password` is the account's; undefined when the account does not exist. */
  async passwordMatches(id: string, password: string): Promise<boolean | undefined> {
    const user = await this.users.findById(id);
    if (!user) return undefined;
    return this.hasher.verify(password, user.password_hash);
  }

  /** Sets last_login on an active account; null when it is gone or deactivated. */
  async recordLogin(id: string, at: Date): Promise<PublicUser | null> {
    const user = await this.written(id, this.users.recordLogin(id, at));
    return user ? toPublicUser(user) : null;
  }

  /** One update of the sign-in fields; USERNAME_TAKEN / EMAIL_TAKEN on a clash, null when the account is gone. */
  async updateAccount(id: string, update: AccountUpdate): Promise<PublicUser | null> {
    const changes: AccountChanges = { username: update.username, email: update.email };
    if (update.password !== undefined) changes.password_hash = await this.hasher.hash(update.password);
    const user = await this.written(id, this.users.updateAccount(id, changes));
    return user ? toPublicUser(user) : null;
  }

  async incrementScore(id: string, increment: number): Promise<PublicUser> {
    const updated = await this.written(id, this.users.incrementScore(id, increment));
    if (!updated) {
      if (await this.users.exists(id)) throw new AppError('INVALID_INPUT', 'The score would leave the range ±(2^53−1); nothing changed');
      throw new AppError('USER_NOT_FOUND');
    }
    this.events.emit(USER_EVENTS.scoreUpdated, {
      id: updated._id,
      username: updated.username,
      score: updated.score,
      increment,
    } satisfies UserScoreUpdatedEvent);
    return toPublicUser(updated);
  }

  /** An admin may delete anyone; a user only their own account. */
  async remove(id: string, actor: Principal | undefined): Promise<void> {
    const isSelf = actor?.kind === 'user' && actor.userId === id;
    if (!isSelf && !isAdmin(actor)) throw new AppError('PERMISSION_DENIED');
    if (!(await this.written(id, this.users.deleteById(id)))) throw new AppError('USER_NOT_FOUND');
    this.events.emit(USER_EVENTS.deleted, { id } satisfies UserDeletedEvent);
  }

  /** Waits for a write of the account and drops its cached profile, also when the write failed (it may have landed). */
  private written<T>(id: string, write: Promise<T>): Promise<T> {
    return write.finally(() => this.profiles.invalidate(id));
  }
}
