import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import type { Response } from 'express';
import { CurrentPrincipal, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { healthResponse } from '../health/health-response';
import { HealthService } from '../health/health.service';
import { AdminService } from './admin.service';
import { ResetDto } from './dto/reset.dto';
import { ApiData } from '../../common/openapi/api-responses';
import { AdminOperationResultDto } from './dto/admin-response.dto';

@ApiTags('admin')
@Roles('admin')
@Controller('api/advanced/admin')
export class AdminController {
  constructor(
    private readonly admin: AdminService,
    private readonly health: HealthService,
  ) {}

  /** The full terminus report; 503 when a check is down. */
  @Get('health-check')
  @HealthCheck()
  healthCheck(@Res({ passthrough: true }) res: Response) {
    return healthResponse(this.health.full(), res);
  }

  @ApiData(AdminOperationResultDto)
  @Post('cleanup')
  @HttpCode(200)
  async cleanup(@CurrentPrincipal() principal: Principal | undefined) {
    return { success: true, data: await this.admin.cleanup(principal) };
  }

  /** Runtime state only (sockets, statistics, metrics history); accounts and channels are never touched. */
  @ApiData(AdminOperationResultDto)
  @Post('reset')
  @HttpCode(200)
  async reset(@Body() _confirmation: ResetDto, @CurrentPrincipal() principal: Principal | undefined) {
    return { success: true, data: await this.admin.reset(principal) };
  }
}
