import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags, getSchemaPath } from '@nestjs/swagger';
import { CurrentPrincipal } from '../../common/auth/auth.decorators';
import type { Principal, UserPrincipal } from '../../common/auth/principal';
import { ParseIdPipe } from '../../common/validation/parse-id.pipe';
import { ChannelsService } from './channels.service';
import { CreateChannelDto } from './dto/create-channel.dto';
import { FilterChannelsQueryDto } from './dto/filter-channels-query.dto';
import { ListChannelsQueryDto } from './dto/list-channels-query.dto';
import { ApiBody, ApiData, ApiErrors, SuccessMessage } from '../../common/openapi/api-responses';
import { ChannelDetailsDto, ChannelDto } from './dto/channel-response.dto';
import { PaginationDto } from '../../common/openapi/pagination.dto';

/** The voice channels API, in the `{success, data}` envelope its clients expect. Routes without a decorator need a signed-in user. */
@ApiTags('channels')
@Controller('api/channels')
export class ChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  /** `{success, data, pagination}`: the caller's own channels first, then the others they may see, each newest first. */
  @ApiData(ChannelDto, { isArray: true, siblings: { pagination: { $ref: getSchemaPath(PaginationDto) } }, extraModels: [PaginationDto] })
  @Get()
  async list(@CurrentPrincipal() principal: UserPrincipal, @Query() query: ListChannelsQueryDto) {
    return { success: true, ...(await this.channels.listVisible(principal, query.page, query.limit)) };
  }

  @ApiData(ChannelDto, { status: 201 })
  @ApiErrors('PERMISSION_DENIED')
  @Post()
  async create(@CurrentPrincipal() principal: UserPrincipal, @Body() dto: CreateChannelDto) {
    return { success: true, data: await this.channels.create(principal, dto) };
  }

  @ApiData(ChannelDetailsDto)
  @ApiErrors('CHANNEL_NOT_FOUND')
  @Get(':id')
  async get(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: UserPrincipal) {
    return { success: true, data: await this.channels.getVisible(id, principal) };
  }

  @ApiBody(SuccessMessage)
  @ApiErrors('CHANNEL_NOT_FOUND', 'PERMISSION_DENIED')
  @Delete(':id')
  async remove(@Param('id', ParseIdPipe) id: string, @CurrentPrincipal() principal: Principal) {
    await this.channels.remove(id, principal);
    return { success: true, message: 'Channel deleted' };
  }
}

@ApiTags('advanced')
@Controller('api/advanced/channels')
export class AdvancedChannelsController {
  constructor(private readonly channels: ChannelsService) {}

  @ApiData(ChannelDto, { isArray: true })
  @Get()
  async filter(@CurrentPrincipal() principal: UserPrincipal, @Query() query: FilterChannelsQueryDto) {
    return { success: true, data: await this.channels.filter(principal, query) };
  }
}
