import { Controller, Get, Param } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { UserStatsService } from './user-stats.service';
import { ApiData, ApiErrors } from '../../common/openapi/api-responses';
import { UserStatisticsDto } from './dto/user-statistics-response.dto';

/** Per-user statistics, under the advanced users path (the rest of it is the users module's). */
@ApiTags('advanced')
@Controller('api/advanced/users')
export class UserStatsController {
  constructor(private readonly stats: UserStatsService) {}

  @ApiData(UserStatisticsDto)
  @ApiErrors('USER_NOT_FOUND', 'PERMISSION_DENIED')
  @Get(':id/statistics')
  async statistics(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    return { success: true, data: await this.stats.report(id, principal) };
  }
}
