import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import type { Pagination } from '../../../common/http/pagination';
import type { PresenceUser } from '../presence/presence.store';

export class ConnectedUserDto implements PresenceUser {
  id!: string;
  username!: string;
  /** Live sockets of the user, on every instance */
  connections!: number;
  /** ISO 8601: when the oldest live socket connected */
  connected_since!: string;
}

export class ConnectedUsersPaginationDto implements Pagination {
  current_page!: number;
  total_pages!: number;
  total_items!: number;
  items_per_page!: number;
  has_next!: boolean;
  has_previous!: boolean;
}

/** Seed-001 shape: ids, or with `?details=true` one object per user; with `page`/`limit`, one page and its `pagination`. */
@ApiExtraModels(ConnectedUserDto)
export class ConnectedUsersDto {
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(ConnectedUserDto) }] } })
  users!: (string | ConnectedUserDto)[];

  /** Only when `page` or `limit` was given */
  @ApiPropertyOptional({ type: ConnectedUsersPaginationDto })
  pagination?: ConnectedUsersPaginationDto;
}

export class MessageSentDto {
  @ApiProperty({ enum: ['Message sent'] })
  status!: 'Message sent';
  /** Sockets that received it */
  delivered!: number;
}

export class MessageBroadcastedDto {
  @ApiProperty({ enum: ['Message broadcasted'] })
  status!: 'Message broadcasted';
  recipients!: number;
}
