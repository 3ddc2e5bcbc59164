import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AllowService, CurrentPrincipal, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { ConnectedUsersQueryDto } from './dto/connected-users-query.dto';
import { SendMessageDto } from './dto/send-message.dto';
import { MessagingService } from './messaging.service';
import { ApiBody, ApiErrors } from '../../common/openapi/api-responses';
import { ConnectedUsersDto, MessageBroadcastedDto, MessageSentDto } from './dto/realtime-response.dto';

/** REST API over the connected sockets, for users and back-end services: who is online, messages to one or all. */
@ApiTags('realtime')
@Controller('api/users')
export class RealtimeController {
  constructor(private readonly messaging: MessagingService) {}

  /** Users or services: ids of the connected users, cluster-wide, longest online first; `page`/`limit` page them. */
  @ApiBody(ConnectedUsersDto)
  @AllowService()
  @Get()
  async connected(@Query() query: ConnectedUsersQueryDto) {
    const { users, pagination } = await this.messaging.connectedUsers(query.page, query.limit);
    const listed = query.details === 'true' ? users : users.map((user) => user.id);
    return pagination ? { users: listed, pagination } : { users: listed };
  }

  /** Services or admins: a `message` event to every connected socket. */
  @Roles('admin')
  @AllowService()
  @ApiBody(MessageBroadcastedDto)
  @Post('broadcast')
  @HttpCode(200)
  async broadcast(@Body() dto: SendMessageDto, @CurrentPrincipal() sender: Principal) {
    return { status: 'Message broadcasted', recipients: await this.messaging.broadcast(sender, dto.message) };
  }

  /** Users, services or admins: a `message` event to every socket of one user. */
  @AllowService()
  @ApiBody(MessageSentDto)
  @ApiErrors('USER_NOT_CONNECTED')
  @Post(':id/message')
  @HttpCode(200)
  async message(@Param('id', ParseIdPipe) id: string, @Body() dto: SendMessageDto, @CurrentPrincipal() sender: Principal) {
    return { status: 'Message sent', delivered: await this.messaging.sendToUser(sender, id, dto.message) };
  }
}
