/** Channel events on the bus; the voice layer tells the channel's members. */
export const CHANNEL_EVENTS = {
  deleted: 'channel.deleted',
  membersReleased: 'channel.members-released',
} as const;

/** Users who left channels because the instance holding their connections died (their UserLeft is still to be told). */
export interface ChannelMembersReleasedEvent {
  released: { channel_id: string; user_id: string }[];
}

export interface ChannelDeletedEvent {
  channel_id: string;
  /** User ids that were members when the channel went. */
  members: string[];
}
