import { Global, Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { UserStats, UserStatsSchema } from './schemas/user-stats.schema';
import { UserStatsRepository } from './user-stats.repository';
import { UserStatsService } from './user-stats.service';

@Global()
@Module({
  imports: [MongooseModule.forFeature([{ name: UserStats.name, schema: UserStatsSchema }])],
  providers: [UserStatsRepository, UserStatsService],
  exports: [UserStatsService],
})
export class StatsModule {}
