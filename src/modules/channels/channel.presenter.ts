import type { ChannelRecord, ChannelType } from './schemas/channel.schema';

/** A channel as every route shows it; `current_users` is live membership. */
export interface PublicChannel {
  id: string;
  name: string;
  description: string;
  max_users: number;
  is_private: boolean;
  channel_type: ChannelType;
  owner_id: string | null;
  total_connections: number;
  current_users: number;
  created_at: string;
}

export interface ChannelDetails extends PublicChannel {
  /** User ids of the current members, in joining order. */
  members: string[];
}

export function toPublicChannel(channel: ChannelRecord, currentUsers: number): PublicChannel {
  return {
    id: channel._id,
    name: channel.name,
    description: channel.description,
    max_users: channel.max_users,
    is_private: channel.is_private,
    channel_type: channel.channel_type,
    owner_id: channel.owner_id,
    total_connections: channel.total_connections,
    current_users: currentUsers,
    created_at: channel.created_at.toISOString(),
  };
}
