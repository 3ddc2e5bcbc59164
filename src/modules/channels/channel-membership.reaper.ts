import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { CHANNEL_MEMBERSHIP_STORE, ChannelMembershipStore } from './channel-membership.store';
import { CHANNEL_EVENTS, ChannelMembersReleasedEvent } from './channels.events';
import { RedisChannelMembershipStore } from './redis-channel-membership.store';

/** How often this instance checks that Redis holds its memberships (after an outage, an empty Redis). */
const HEAL_MS = 2_000;

/**
 * Several instances: when one dies without leaving (SIGKILL, a lost host), its
 * connections' memberships are released and the users who thereby left are
 * announced on the bus (the voice layer tells the channels). Exactly one
 * surviving instance gets each release: the store's release is atomic. After
 * a Redis outage this instance's own memberships are written back.
 */
@Injectable()
export class ChannelMembershipReaper implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(ChannelMembershipReaper.name);
  private timer?: NodeJS.Timeout;

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
    // At once: the mark of Redis's data set is seen before any join, so a later loss is told from a removal.
    void store.heal().catch(() => undefined);
    this.timer = setInterval(() => {
      store.heal().then(
        (wrote) => wrote && this.logger.log('channel memberships of this instance written back to Redis'),
        () => undefined,
      );
    }, HEAL_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }
}
