import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AllowService, CurrentPrincipal, Public, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { CredentialRoute } from '../../common/throttling/credential-route.decorator';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { CreateUserDto } from './dto/create-user.dto';
import { LeaderboardQueryDto, ListUsersQueryDto } from './dto/list-users-query.dto';
import { ScoreIncrementDto } from './dto/score-increment.dto';
import { PublicUser, UserView, viewOf } from './user.presenter';
import { UsersService } from './users.service';
import { ApiBody, ApiErrors } from '../../common/openapi/api-responses';
import { MessageDto, UserDto } from './dto/user-response.dto';

/** The `/users` API: accounts, leaderboard and scores, with events pushed to connected clients. */
@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @CredentialRoute()
  @ApiBody(UserDto, { status: 201 })
  @ApiErrors('USERNAME_TAKEN', 'EMAIL_TAKEN', 'INVITATION_INVALID', 'PAYLOAD_TOO_LARGE')
  @Post()
  create(@Body() { invitationCode, ...account }: CreateUserDto): Promise<PublicUser> {
    return this.users.signUp(account, invitationCode);
  }

  @ApiBody(UserDto, { isArray: true })
  @Get()
  async list(@Query() query: ListUsersQueryDto, @CurrentPrincipal() viewer: Principal): Promise<UserView[]> {
    return (await this.users.list(query.limit, query.offset)).map((user) => viewOf(user, viewer));
  }

  @ApiBody(UserDto, { isArray: true })
  @Get('leaderboard')
  async leaderboard(@Query() query: LeaderboardQueryDto, @CurrentPrincipal() viewer: Principal): Promise<UserView[]> {
    return (await this.users.leaderboard(query.limit)).map((user) => viewOf(user, viewer));
  }

  @ApiBody(UserDto)
  @ApiErrors('USER_NOT_FOUND')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() viewer: Principal): Promise<UserView> {
    return viewOf(await this.users.get(id), viewer);
  }

  @ApiBody(MessageDto)
  @ApiErrors('USER_NOT_FOUND', 'PERMISSION_DENIED')
  @Delete(':id')
  async remove(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: Principal | undefined) {
    await this.users.remove(id, principal);
    return { message: 'User deleted' };
  }

  @Roles('admin')
  @AllowService()
  @ApiBody(UserDto)
  @ApiErrors('USER_NOT_FOUND')
  @Post(':id/score')
  @HttpCode(200)
  incrementScore(@Param('id', ParseIdPipe) id: string, @Body() dto: ScoreIncrementDto): Promise<PublicUser> {
    return this.users.incrementScore(id, dto.increment);
  }
}
