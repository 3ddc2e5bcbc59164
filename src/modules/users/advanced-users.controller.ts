import { Body, Controller, Delete, Get, Param, Put, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { AdvancedUpdateUserDto, AdvancedUsersQueryDto } from './dto/advanced-users.dto';
import { AdvancedUsersService } from './advanced-users.service';
import { viewOf } from './user.presenter';
import { UsersService } from './users.service';
import { ApiBody, ApiData, ApiErrors, SuccessMessage } from '../../common/openapi/api-responses';
import { UserDto, UserPageDto } from './dto/user-response.dto';

/** `/api/advanced/users`: paged list, updates, deletion; `GET :id/statistics` is served by the stats module (UserStatsController). */
@ApiTags('advanced')
@Controller('api/advanced/users')
export class AdvancedUsersController {
  constructor(
    private readonly advanced: AdvancedUsersService,
    private readonly users: UsersService,
  ) {}

  /** Seed shape `{data, pagination}`, unwrapped. */
  @ApiBody(UserPageDto)
  @Get()
  async list(@Query() query: AdvancedUsersQueryDto, @CurrentPrincipal() viewer: Principal) {
    const { data, pagination } = await this.advanced.page(query);
    return { data: data.map((user) => viewOf(user, viewer)), pagination };
  }

  @ApiData(UserDto)
  @ApiErrors('USER_NOT_FOUND', 'PERMISSION_DENIED', 'EMAIL_TAKEN')
  @Put(':id')
  async update(@Param('id', ParseIdPipe) id: string, @Body() dto: AdvancedUpdateUserDto, @CurrentPrincipal() principal: Principal) {
    return { success: true, data: await this.advanced.update(id, dto, principal) };
  }

  @Roles('admin')
  @ApiBody(SuccessMessage)
  @ApiErrors('USER_NOT_FOUND')
  @Delete(':id')
  async remove(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    await this.users.remove(id, principal);
    return { success: true, message: 'User deleted' };
  }
}
