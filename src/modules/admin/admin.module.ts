import { Module } from '@nestjs/common';
import { AudioModule } from '../audio/audio.module';
import { HealthModule } from '../health/health.module';
import { RealtimeModule } from '../realtime/realtime.module';
import { UsersModule } from '../users/users.module';
import { AdminController } from './admin.controller';
import { AdminService } from './admin.service';
import { ServerStatisticsController } from './server-statistics.controller';
import { ServerStatisticsService } from './server-statistics.service';

@Module({
  imports: [HealthModule, UsersModule, AudioModule, RealtimeModule],
  controllers: [AdminController, ServerStatisticsController],
  providers: [AdminService, ServerStatisticsService],
})
export class AdminModule {}
