import { Module } from '@nestjs/common';
import { InMemoryPresenceStore } from './presence/in-memory-presence.store';
import { PresenceService } from './presence/presence.service';
import { PresenceStore } from './presence/presence.store';
import { MessagingService } from './messaging.service';
import { RealtimeController } from './realtime.controller';
import { RealtimeGateway } from './realtime.gateway';
import { RealtimeListeners } from './realtime.listeners';

/** Namespace `/`: presence, messages to connected users, user created/deleted/score events. */
@Module({
  controllers: [RealtimeController],
  providers: [{ provide: PresenceStore, useClass: InMemoryPresenceStore }, PresenceService, MessagingService, RealtimeGateway, RealtimeListeners],
  exports: [PresenceService],
})
export class RealtimeModule {}
