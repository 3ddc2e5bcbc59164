import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { HealthCheck } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { Public } from '../../common/auth/auth.decorators';
import { healthResponse } from './health-response';
import { HealthService } from './health.service';

@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  /** Plain `OK` while the process serves requests, for simple monitors; `ready` checks the dependencies. */
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The process serves requests', content: { 'text/plain': { schema: { type: 'string', enum: ['OK'] } } } })
  @Get()
  @Header('Content-Type', 'text/plain; charset=utf-8')
  ok(): string {
    return 'OK';
  }

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.live();
  }

  /** 503 while the database, Redis (when configured), the event loop or the heap is not fit to serve. */
  @Get('ready')
  @HealthCheck()
  ready(@Res({ passthrough: true }) res: Response) {
    return healthResponse(this.health.ready(), res);
  }
}
