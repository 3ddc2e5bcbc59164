import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';

/** Largest page of connected users: the default PRESENCE_FULL_LIST_MAX, so one page is one `users` event's worth. */
export const CONNECTED_USERS_PAGE_MAX = 1000;

export class ConnectedUsersQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], default: 'false', description: 'List `{id, username, connections, connected_since}` instead of ids' })
  @IsOptional()
  @IsIn(['true', 'false'])
  details: 'true' | 'false' = 'false';

  /** With `page` or `limit` the list is paged (longest online first, the order of the `users` socket event) and a `pagination` object is added. */
  @ApiPropertyOptional({ minimum: 1, maximum: 1_000_000, description: 'Page number (1 when only `limit` is given); absent with `limit`: the whole list' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: CONNECTED_USERS_PAGE_MAX, description: 'Page size (100 when only `page` is given)' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(CONNECTED_USERS_PAGE_MAX)
  limit?: number;
}
