import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ServerStatisticsService } from './server-statistics.service';

/** SPEC: any authenticated user (seed shape, unwrapped). */
@ApiTags('admin')
@ApiBearerAuth()
@Controller('api/advanced/statistics')
export class ServerStatisticsController {
  constructor(private readonly statistics: ServerStatisticsService) {}

  @Get('server')
  server() {
    return this.statistics.server();
  }
}
