import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../../common/auth/auth.decorators';
import { AlertsQueryDto, HistoryQueryDto } from './dto/metrics-query.dto';
import { MetricsService } from './metrics.service';
import { ApiData, ApiErrors } from '../../common/openapi/api-responses';
import { AlertDto, ComponentMetricsDto, MetricsHealthDto, MetricsHistoryDto, MetricsCurrentDto, MetricsSummaryDto } from './dto/metrics-response.dto';

/** The monitoring API: `{success, data}` bodies, public. */
@ApiTags('metrics')
@Public()
@Controller('api/metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @ApiData(MetricsCurrentDto)
  @Get('current')
  async current() {
    return { success: true, data: await this.metrics.current() };
  }

  @ApiData(MetricsHistoryDto)
  @Get('history')
  history(@Query() query: HistoryQueryDto) {
    return { success: true, data: this.metrics.history(query.limit, query.period) };
  }

  @ApiData(MetricsHealthDto)
  @Get('health')
  async health() {
    return { success: true, data: await this.metrics.health() };
  }

  @ApiData(AlertDto, { isArray: true })
  @Get('alerts')
  alerts(@Query() query: AlertsQueryDto) {
    return { success: true, data: this.metrics.alertList(query) };
  }

  @ApiData(MetricsSummaryDto)
  @Get('summary')
  async summary() {
    return { success: true, data: await this.metrics.summary() };
  }

  @ApiData(ComponentMetricsDto)
  @ApiErrors('NOT_FOUND')
  @Get('component/:component')
  async component(@Param('component') component: string) {
    return { success: true, data: await this.metrics.component(component) };
  }
}
