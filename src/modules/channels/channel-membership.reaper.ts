import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { CHANNEL_MEMBERSHIP_STORE, ChannelMembershipStore } from './channel-membership.store';
import { CHANNEL_EVENTS, ChannelMembersReleasedEvent } from './channels.events';
import { RedisChannelMembershipStore } from './redis-channel-membership.store';

/**
 * Several instances: when one dies without leaving (SIGKILL, a lost host), its
 * connections' memberships are released and the users who thereby left are
 * announced on the bus (the voice layer tells the channels). Exactly one
 * surviving instance gets each release: the store's release is atomic.
 */
@Injectable()
export class ChannelMembershipReaper implements OnModuleInit {
  constructor(
    @Inject(CHANNEL_MEMBERSHIP_STORE) private readonly membership: ChannelMembershipStore,
    private readonly liveness: InstanceLiveness,
    private readonly events: EventEmitter2,
  ) {}

  onModuleInit(): void {
    const store = this.membership;
    if (!(store instanceof RedisChannelMembershipStore)) return;
    this.liveness.onPeerDeath(async (incarnation) => {
      const released = await store.releaseInstance(incarnation);
      if (released.length === 0) return;
      const event: ChannelMembersReleasedEvent = { released: released.map(({ channelId, userId }) => ({ channel_id: channelId, user_id: userId })) };
      await this.events.emitAsync(CHANNEL_EVENTS.membersReleased, event);
    });
  }
}
