import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isAdmin, Principal, Role } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { PasswordHasher } from './password-hasher.service';
import { PublicUser, toPublicUser } from './user.presenter';
import { USER_EVENTS, UserCreatedEvent, UserDeletedEvent, UserScoreUpdatedEvent } from './users.events';
import { UsersRepository } from './users.repository';
import type { UserRecord } from './schemas/user.schema';

export interface RegisterUserInput {
  username: string;
  password?: string;
  email?: string;
  display_name?: string;
  role?: Role;
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
    private readonly events: EventEmitter2,
  ) {}

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
    return toPublicUser(await this.getRecord(id));
  }

  async getRecord(id: string): Promise<UserRecord> {
    const user = await this.users.findById(id);
    if (!user) throw new AppError('USER_NOT_FOUND');
    return user;
  }

  async incrementScore(id: string, increment: number): Promise<PublicUser> {
    const updated = await this.users.incrementScore(id, increment);
    if (!updated) throw new AppError('USER_NOT_FOUND');
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
    if (!(await this.users.deleteById(id))) throw new AppError('USER_NOT_FOUND');
    this.events.emit(USER_EVENTS.deleted, { id } satisfies UserDeletedEvent);
  }
}
