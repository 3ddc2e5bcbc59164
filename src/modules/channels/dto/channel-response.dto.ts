import { ApiProperty } from '@nestjs/swagger';
import type { ChannelDetails, PublicChannel } from '../channel.presenter';
import { CHANNEL_TYPES, type ChannelType } from '../schemas/channel.schema';

export class ChannelDto implements PublicChannel {
  id!: string;
  name!: string;
  description!: string;
  max_users!: number;
  is_private!: boolean;
  @ApiProperty({ enum: CHANNEL_TYPES })
  channel_type!: ChannelType;
  owner_id!: string | null;
  total_connections!: number;
  /** Members connected now, on every instance */
  current_users!: number;
  /** ISO 8601 */
  created_at!: string;
}

export class ChannelDetailsDto extends ChannelDto implements ChannelDetails {
  /** User ids of the current members, in joining order */
  members!: string[];
}
