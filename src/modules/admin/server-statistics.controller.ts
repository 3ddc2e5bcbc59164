import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { ServerStatisticsService } from './server-statistics.service';
import { ApiBody } from '../../common/openapi/api-responses';
import { ServerStatisticsDto } from './dto/admin-response.dto';

/** SPEC: any authenticated user (seed shape, unwrapped). */
@ApiTags('admin')
@Controller('api/advanced/statistics')
export class ServerStatisticsController {
  constructor(private readonly statistics: ServerStatisticsService) {}

  @ApiBody(ServerStatisticsDto)
  @Get('server')
  server() {
    return this.statistics.server();
  }
}
