import { Body, Controller, Get, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Public } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { CredentialRoute } from '../../common/throttling/credential-route.decorator';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { CreateApiUserDto } from './dto/create-api-user.dto';
import { viewOf } from './user.presenter';
import { UsersService } from './users.service';
import { ApiBody, ApiErrors } from '../../common/openapi/api-responses';
import { ApiUserCreatedDto, ApiUserDto } from './dto/user-response.dto';

/** The voice clients' users API, in their `{success, …}` envelope. */
@ApiTags('users')
@Controller('api/users')
export class ApiUsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @CredentialRoute()
  @ApiBody(ApiUserCreatedDto, { status: 201 })
  @ApiErrors('USERNAME_TAKEN', 'EMAIL_TAKEN', 'INVITATION_INVALID')
  @Post()
  async create(@Body() { invitationCode, ...account }: CreateApiUserDto) {
    return { success: true, user: await this.users.signUp(account, invitationCode) };
  }

  @ApiBody(ApiUserDto)
  @ApiErrors('USER_NOT_FOUND')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() viewer: Principal) {
    const user = viewOf(await this.users.get(id), viewer);
    return { success: true, user, data: user };
  }
}
