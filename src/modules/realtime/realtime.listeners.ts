import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { RealtimePublisher } from '../../common/websocket/realtime.publisher';
import { AUTH_EVENTS, SessionRevokedEvent } from '../auth/auth.events';
import { withoutEmail } from '../users/user.presenter';
import { USER_EVENTS, UserCreatedEvent, UserDeletedEvent, UserRoleChangedEvent, UserScoreUpdatedEvent } from '../users/users.events';

/**
 * Module events turned into pushes: user created/deleted/score events to every client,
 * and disconnects for revoked sessions, deleted accounts and role changes. The users and
 * auth modules know nothing of sockets.
 */
@Injectable()
export class RealtimeListeners {
  constructor(private readonly publisher: RealtimePublisher) {}

  /** Everyone hears of the account; its email stays with its owner, admins and the service. */
  @OnEvent(USER_EVENTS.created)
  userCreated({ user }: UserCreatedEvent): void {
    this.publisher.toAll('user_created', { user: withoutEmail(user) });
  }

  @OnEvent(USER_EVENTS.deleted)
  userDeleted({ id }: UserDeletedEvent): void {
    this.publisher.toAll('user_deleted', { id });
    this.publisher.disconnectUser(id);
  }

  /** A socket carries the role it was opened with: it is closed, and the client reconnects with the new one. */
  @OnEvent(USER_EVENTS.roleChanged)
  roleChanged({ id }: UserRoleChangedEvent): void {
    this.publisher.disconnectUser(id);
  }

  @OnEvent(USER_EVENTS.scoreUpdated)
  scoreUpdated({ id, username, score, increment }: UserScoreUpdatedEvent): void {
    this.publisher.toAll('UPDATE_SCORE', { id, username, score, increment });
  }

  @OnEvent(AUTH_EVENTS.sessionRevoked)
  sessionRevoked({ sessionId }: SessionRevokedEvent): void {
    this.publisher.disconnectSession(sessionId);
  }
}
