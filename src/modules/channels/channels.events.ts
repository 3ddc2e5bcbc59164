/** Channel events on the bus; the voice layer tells the channel's members. */
export const CHANNEL_EVENTS = {
  deleted: 'channel.deleted',
} as const;

export interface ChannelDeletedEvent {
  channel_id: string;
  /** User ids that were members when the channel went. */
  members: string[];
}
