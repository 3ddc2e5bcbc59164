export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** A signed-in user, identified by one session (JWT `sid` or the session token). */
export interface UserPrincipal {
  kind: 'user';
  userId: string;
  username: string;
  role: Role;
  sessionId: string;
}

/** Another back-end service, proven by `X-API-Key`. */
export interface ServicePrincipal {
  kind: 'service';
}

export type Principal = UserPrincipal | ServicePrincipal;

export function isAdmin(principal: Principal | undefined): boolean {
  return principal?.kind === 'user' && principal.role === 'admin';
}
