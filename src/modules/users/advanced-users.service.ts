import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isAdmin, Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { Pagination, paginationOf } from '../../common/http/pagination';
import type { AdvancedUpdateUserDto, AdvancedUsersQueryDto, UserSortField } from './dto/advanced-users.dto';
import { UserProfileCache } from './user-profile-cache';
import { PublicUser, toPublicUser } from './user.presenter';
import { USER_EVENTS, UserDeactivatedEvent, UserRoleChangedEvent } from './users.events';
import { UserSortKey, UsersRepository } from './users.repository';

const SORT_KEYS: Record<UserSortField, UserSortKey> = {
  username: 'username_key',
  created_at: 'created_at',
  score: 'score',
  last_login: 'last_login',
};
const ADMIN_FIELDS = ['is_active', 'role', 'score'] as const;

/** The advanced users API: paging, profile and admin updates (the statistics route belongs to the stats module). */
@Injectable()
export class AdvancedUsersService {
  constructor(
    private readonly users: UsersRepository,
    private readonly profiles: UserProfileCache,
    private readonly events: EventEmitter2,
  ) {}

  async page(query: AdvancedUsersQueryDto): Promise<{ data: PublicUser[]; pagination: Pagination }> {
    const { page, limit, search } = query;
    const [records, total] = await Promise.all([
      this.users.page(search, SORT_KEYS[query.sort_by], query.order === 'asc' ? 1 : -1, (page - 1) * limit, limit),
      this.users.countMatching(search),
    ]);
    return { data: records.map(toPublicUser), pagination: paginationOf(page, limit, total) };
  }

  /** Oneself: display_name and email. An admin: anyone, and is_active, role and score too. */
  async update(id: string, dto: AdvancedUpdateUserDto, actor: Principal | undefined): Promise<PublicUser> {
    const admin = isAdmin(actor);
    if (!admin && !(actor?.kind === 'user' && actor.userId === id)) throw new AppError('PERMISSION_DENIED');
    const forbidden = admin ? [] : ADMIN_FIELDS.filter((field) => dto[field] !== undefined);
    if (forbidden.length > 0) throw new AppError('PERMISSION_DENIED', `Only an admin may change ${forbidden.join(', ')}`);
    const changes = Object.fromEntries(Object.entries(dto).filter(([, value]) => value !== undefined));
    if (Object.keys(changes).length === 0) throw new AppError('INVALID_INPUT', 'Nothing to update');

    // Dropped before the events, also when the write failed (it may have landed): a session
    // reloaded because of them must not read the old profile.
    const updated = await this.users.updateProfile(id, changes).finally(() => this.profiles.invalidate(id));
    if (!updated) throw new AppError('USER_NOT_FOUND');
    // Awaited: the sessions are revoked before the admin gets the answer.
    if (dto.is_active === false) await this.events.emitAsync(USER_EVENTS.deactivated, { id } satisfies UserDeactivatedEvent);
    if (dto.role !== undefined) await this.events.emitAsync(USER_EVENTS.roleChanged, { id } satisfies UserRoleChangedEvent);
    return toPublicUser(updated);
  }
}
