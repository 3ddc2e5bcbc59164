import type { PublicUser } from './user.presenter';

/** Module events on the event bus; the realtime layer turns them into socket events. */
export const USER_EVENTS = {
  created: 'user.created',
  deleted: 'user.deleted',
  scoreUpdated: 'user.score_updated',
  /** is_active went to false: the auth module revokes the user's sessions. */
  deactivated: 'user.deactivated',
  /** An admin set the role: the auth module drops the user's cached sessions, so the next request sees it. */
  roleChanged: 'user.role_changed',
} as const;

export interface UserCreatedEvent {
  user: PublicUser;
}

export interface UserDeletedEvent {
  id: string;
}

export interface UserDeactivatedEvent {
  id: string;
}

export interface UserRoleChangedEvent {
  id: string;
}

export interface UserScoreUpdatedEvent {
  id: string;
  username: string;
  score: number;
  increment: number;
}
