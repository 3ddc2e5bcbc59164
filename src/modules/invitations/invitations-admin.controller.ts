import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { GenerateInvitationDto } from './dto/generate-invitation.dto';
import { ListInvitationsQueryDto } from './dto/list-invitations-query.dto';
import { InvitationsService } from './invitations.service';

/** The admin API for invitation codes: generate, list, revoke. */
@ApiTags('invitations')
@Roles('admin')
@Controller('admin/invitations')
export class InvitationsAdminController {
  constructor(private readonly invitations: InvitationsService) {}

  @Post('generate')
  async generate(@Body() dto: GenerateInvitationDto, @CurrentPrincipal() principal: Principal | undefined) {
    return { invitation: await this.invitations.generate(principal?.kind === 'user' ? principal.userId : null, dto) };
  }

  @Get()
  async list(@Query() query: ListInvitationsQueryDto) {
    return { invitations: await this.invitations.list(query.status, query.limit) };
  }

  @Delete(':code')
  async revoke(@Param('code') code: string) {
    return { message: 'Invitation revoked', invitation: await this.invitations.revoke(code) };
  }
}
