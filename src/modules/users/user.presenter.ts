import type { Role } from '../../common/auth/principal';
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
    score: user.score,
    role: user.role,
    is_active: user.is_active,
    created_at: user.created_at.toISOString(),
    last_login: user.last_login ? user.last_login.toISOString() : null,
  };
}
