import { Module } from '@nestjs/common';
import { RealtimeModule } from '../realtime/realtime.module';
import { SignalingGateway } from './signaling.gateway';
import { SignalingService } from './signaling.service';

/** WebRTC call signaling between connected users (namespace `/`). */
@Module({
  imports: [RealtimeModule],
  providers: [SignalingService, SignalingGateway],
})
export class SignalingModule {}
