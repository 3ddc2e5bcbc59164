import { Injectable } from '@nestjs/common';
import type { Principal } from '../../common/auth/principal';
import { AppError } from '../../common/errors/app-error';
import { Pagination, paginationOf } from '../../common/http/pagination';
import { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import { UserStatsService } from '../stats/user-stats.service';
import { PresenceService } from './presence/presence.service';
import type { PresenceUser } from './presence/presence.store';
import type { MessagePayload } from '../../contracts/socket-events';

const DEFAULT_PAGE_SIZE = 100;

/** Messages from users and back-end services to connected users. */
@Injectable()
export class MessagingService {
  constructor(
    private readonly presence: PresenceService,
    private readonly publisher: RealtimePublisher,
    private readonly stats: UserStatsService,
  ) {}

  /** Every connected user, or one page of them when `page` or `limit` is given (100 per page unless told). */
  async connectedUsers(page?: number, limit?: number): Promise<{ users: PresenceUser[]; pagination?: Pagination }> {
    const users = await this.presence.users();
    if (page === undefined && limit === undefined) return { users };
    const size = limit ?? DEFAULT_PAGE_SIZE;
    const current = page ?? 1;
    return { users: users.slice((current - 1) * size, current * size), pagination: paginationOf(current, size, users.length) };
  }

  /** Delivers to every socket of the user; returns how many. USER_NOT_CONNECTED when there is none. */
  async sendToUser(sender: Principal, userId: string, message: string): Promise<number> {
    const sockets = await this.presence.connectionCount(userId);
    if (sockets === 0) throw new AppError('USER_NOT_CONNECTED');
    this.publisher.toUser(userId, 'message', this.envelope(sender, message));
    return sockets;
  }

  /** Delivers to every connected socket; returns how many. */
  async broadcast(sender: Principal, message: string): Promise<number> {
    const sockets = await this.presence.totalConnections();
    this.publisher.toAll('message', this.envelope(sender, message));
    return sockets;
  }

  private envelope(sender: Principal, message: string): MessagePayload {
    if (sender.kind === 'service') return { from: 'service', message, sent_at: new Date().toISOString() };
    this.stats.add(sender.userId, { messages_sent: 1 });
    return { from: sender.userId, message, sent_at: new Date().toISOString() };
  }
}
