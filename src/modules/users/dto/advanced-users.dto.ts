import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';
import { ROLES, Role } from '../../../common/auth/principal';
import { MAX_SCORE } from '../schemas/user.schema';
import { OptionalDisplayNameField, OptionalEmailField } from './user-fields';

export const USER_SORT_FIELDS = ['username', 'created_at', 'score', 'last_login'] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export class AdvancedUsersQueryDto {
  @ApiPropertyOptional({ type: 'integer', default: 1, minimum: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page = 1;

  @ApiPropertyOptional({ type: 'integer', default: 20, minimum: 1, maximum: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @ApiPropertyOptional({ enum: USER_SORT_FIELDS, default: 'created_at' })
  @IsOptional()
  @IsIn(USER_SORT_FIELDS)
  sort_by: UserSortField = 'created_at';

  @ApiPropertyOptional({ enum: ['asc', 'desc'], default: 'asc' })
  @IsOptional()
  @IsIn(['asc', 'desc'])
  order: 'asc' | 'desc' = 'asc';

  @ApiPropertyOptional({ description: 'Case-insensitive substring of the username or display name' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  search?: string;
}

/** display_name and email for oneself; the rest for admins only (the service checks). */
export class AdvancedUpdateUserDto {
  @OptionalDisplayNameField()
  display_name?: string;

  @OptionalEmailField()
  email?: string;

  @ApiPropertyOptional({ description: 'admin only' })
  @IsOptional()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ enum: ROLES, description: 'admin only' })
  @IsOptional()
  @IsIn(ROLES)
  role?: Role;

  @ApiPropertyOptional({ description: 'admin only' })
  @IsOptional()
  @IsInt()
  @Min(-MAX_SCORE)
  @Max(MAX_SCORE)
  score?: number;
}
