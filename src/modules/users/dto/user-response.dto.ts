import { ApiProperty } from '@nestjs/swagger';
import { ROLES, type Role } from '../../../common/auth/principal';
import { PaginationDto } from '../../../common/openapi/pagination.dto';
import type { PublicUser, UserProfile } from '../user.presenter';

/** A user as every route shows it: never a password hash. */
export class UserDto implements UserProfile {
  /** @example "3f0c9a52-6c1e-4b7e-9d55-2f0f7f3c1a10" */
  id!: string;
  username!: string;
  /** Only for the user themself, admins and the service; absent for anyone else. */
  email?: string | null;
  display_name!: string;
  score!: number;
  @ApiProperty({ enum: ROLES })
  role!: Role;
  is_active!: boolean;
  /** ISO 8601 */
  created_at!: string;
  /** ISO 8601, or null before the first login */
  last_login!: string | null;
}

/** The caller's own account: with its email. */
export class OwnUserDto extends UserDto implements PublicUser {
  declare email: string | null;
}

/** `{user}` (the caller's own account) */
export class UserEnvelopeDto {
  user!: OwnUserDto;
}

/** `{message}` */
export class MessageDto {
  message!: string;
}

/** Seed-004 shape: `{success, user}`. */
export class ApiUserCreatedDto {
  @ApiProperty({ enum: [true] })
  success!: true;
  user!: UserDto;
}

/** Seed-004 shape: the same user under `user` and `data`. */
export class ApiUserDto extends ApiUserCreatedDto {
  data!: UserDto;
}

/** Seed shape `{data, pagination}`. */
export class UserPageDto {
  data!: UserDto[];
  pagination!: PaginationDto;
}
