import { isAdmin, Principal, Role } from '../../common/auth/principal';
import type { UserRecord } from './schemas/user.schema';

/** The only shape of a user that leaves the service: never a password hash. */
export interface PublicUser {
  id: string;
  username: string;
  email: string | null;
  display_name: string;
  score: number;
  role: Role;
  is_active: boolean;
  created_at: string;
  last_login: string | null;
}

export function toPublicUser(user: UserRecord): PublicUser {
  return {
    id: user._id,
    username: user.username,
    email: user.email ?? null,
    display_name: user.display_name,
    // A document just created holds a BSON Double object; a lean read, a number.
    score: Number(user.score),
    role: user.role,
    is_active: user.is_active,
    created_at: user.created_at.toISOString(),
    last_login: user.last_login ? user.last_login.toISOString() : null,
  };
}

/** A user as someone else sees it: no `email`. */
export type UserProfile = Omit<PublicUser, 'email'>;

/** What `viewer` may see of `user`: the email only for the user themself, admins and the service principal. */
export type UserView = PublicUser | UserProfile;

export function withoutEmail(user: PublicUser): UserProfile {
  const { email: _email, ...profile } = user;
  return profile;
}

export function viewOf(user: PublicUser, viewer: Principal | undefined): UserView {
  const mayReadEmail = viewer?.kind === 'service' || isAdmin(viewer) || (viewer?.kind === 'user' && viewer.userId === user.id);
  return mayReadEmail ? user : withoutEmail(user);
}
