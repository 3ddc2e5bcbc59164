import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles } from '../../common/auth/auth.decorators';
import type { Principal } from '../../common/auth/principal';
import { GenerateInvitationDto } from './dto/generate-invitation.dto';
import { ListInvitationsQueryDto } from './dto/list-invitations-query.dto';
import { InvitationsService } from './invitations.service';
import { ApiBody, ApiErrors } from '../../common/openapi/api-responses';
import { InvitationEnvelopeDto, InvitationListDto, InvitationRevokedDto } from './dto/invitation-response.dto';

/** The admin API for invitation codes: generate, list, revoke. */
@ApiTags('invitations')
@Roles('admin')
@Controller('admin/invitations')
export class InvitationsAdminController {
  constructor(private readonly invitations: InvitationsService) {}

  @ApiBody(InvitationEnvelopeDto, { status: 201 })
  @Post('generate')
  async generate(@Body() dto: GenerateInvitationDto, @CurrentPrincipal() principal: Principal | undefined) {
    return { invitation: await this.invitations.generate(principal?.kind === 'user' ? principal.userId : null, dto) };
  }

  @ApiBody(InvitationListDto)
  @Get()
  async list(@Query() query: ListInvitationsQueryDto) {
    return { invitations: await this.invitations.list(query.status, query.limit) };
  }

  @ApiBody(InvitationRevokedDto)
  @ApiErrors('NOT_FOUND')
  @Delete(':code')
  async revoke(@Param('code') code: string) {
    return { message: 'Invitation revoked', invitation: await this.invitations.revoke(code) };
  }
}
