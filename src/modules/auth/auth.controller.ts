import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Public } from '../../common/auth/auth.decorators';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { AuthService, LoginResult, RefreshResult } from './auth.service';
import type { SessionMetadata } from './sessions.service';

const MAX_USER_AGENT = 256;

@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() request: Request): Promise<LoginResult> {
    return this.auth.login(dto, metadataOf(request));
  }

  /** Seed 000's alias. */
  @Public()
  @Post('login')
  @HttpCode(200)
  loginAlias(@Body() dto: LoginDto, @Req() request: Request): Promise<LoginResult> {
    return this.auth.login(dto, metadataOf(request));
  }

  @Public()
  @Post('auth/refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto): Promise<RefreshResult> {
    return this.auth.refresh(dto.refreshToken);
  }
}

function metadataOf(request: Request): SessionMetadata {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, MAX_USER_AGENT) ?? null };
}
