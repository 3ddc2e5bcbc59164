import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { PaginationDto } from '../../../common/openapi/pagination.dto';
import type { PresenceUser } from '../presence/presence.store';

export class ConnectedUserDto implements PresenceUser {
  id!: string;
  username!: string;
  /** Live sockets of the user, on every instance */
  connections!: number;
  /** ISO 8601: when the oldest live socket connected */
  connected_since!: string;
}

/** Seed-001 shape: ids, or with `?details=true` one object per user; with `page`/`limit`, one page and its `pagination`. */
@ApiExtraModels(ConnectedUserDto)
export class ConnectedUsersDto {
  @ApiProperty({ type: 'array', items: { oneOf: [{ type: 'string' }, { $ref: getSchemaPath(ConnectedUserDto) }] } })
  users!: (string | ConnectedUserDto)[];

  /** Only when `page` or `limit` was given */
  @ApiPropertyOptional({ type: PaginationDto })
  pagination?: PaginationDto;
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
