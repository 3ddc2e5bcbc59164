import { Module } from '@nestjs/common';
import { InstanceLiveness } from '../../common/cluster/instance-liveness';
import { RedisConnections } from '../../common/redis/redis-connections';
import { InMemoryPresenceStore } from './presence/in-memory-presence.store';
import { PresenceAnnouncer } from './presence/presence-announcer';
import { PresenceService } from './presence/presence.service';
import { PresenceStore } from './presence/presence.store';
import { RedisPresenceStore } from './presence/redis-presence.store';
import { MessagingService } from './messaging.service';
import { RealtimeController } from './realtime.controller';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeListeners } from './realtime.listeners';

/** Namespace `/`: presence, messages to connected users, user created/deleted/score events. */
@Module({
  controllers: [RealtimeController],
  providers: [
    {
      provide: PresenceStore,
      inject: [RedisConnections, InstanceLiveness],
      useFactory: (redis: RedisConnections, liveness: InstanceLiveness): PresenceStore =>
        redis.enabled ? new RedisPresenceStore(redis, liveness) : new InMemoryPresenceStore(),
    },
    PresenceService,
    PresenceAnnouncer,
    MessagingService,
    RealtimeGateway,
    RealtimeListeners,
  ],
  exports: [PresenceService],
})
export class RealtimeModule {}
