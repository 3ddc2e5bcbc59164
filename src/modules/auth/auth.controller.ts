import { applyDecorators, Body, Controller, Get, Header, HttpCode, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { CurrentUser, OnAuthFailure, Public } from '../../common/auth/auth.decorators';
import { credentialFromToken, credentialsFromHeaders } from '../../common/auth/credentials';
import type { UserPrincipal } from '../../common/auth/principal';
import { CredentialRoute } from '../../common/throttling/credential-route.decorator';
import { AuthService, LoginResult, RefreshResult, VerifyResult } from './auth.service';
import { LoginDto } from './dto/login.dto';
import { RefreshDto } from './dto/refresh.dto';
import { SignoutDto } from './dto/signout.dto';
import { SignupDto } from './dto/signup.dto';
import { UpdateAccountDto } from './dto/update-account.dto';
import { VerifyDto } from './dto/verify.dto';
import type { SessionMetadata } from './sessions.service';
import { ApiBody, ApiErrors } from '../../common/openapi/api-responses';
import { MessageDto, UserEnvelopeDto } from '../users/dto/user-response.dto';
import { LoginResultDto, RefreshResultDto, VerifyResultDto } from './dto/auth-response.dto';

const MAX_USER_AGENT = 256;

/** A response carrying tokens or account secrets must never sit in a browser or proxy cache. */
const NoStore = () => applyDecorators(Header('Cache-Control', 'no-store'), Header('Pragma', 'no-cache'));

/**
 * `/auth/*` (session tokens and JWTs) and the `/login` alias. Routes without @Public() need a user (the global guard).
 * The stricter credential limit applies to the routes that take or mint credentials, not to those that merely use a session.
 */
@ApiTags('auth')
@Controller()
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @CredentialRoute()
  @NoStore()
  @ApiBody(UserEnvelopeDto, { status: 201 })
  @ApiErrors('USERNAME_TAKEN', 'EMAIL_TAKEN', 'INVITATION_INVALID')
  @Post('auth/signup')
  signup(@Body() dto: SignupDto) {
    return this.auth.signup(dto);
  }

  @Public()
  @CredentialRoute()
  @NoStore()
  @ApiBody(LoginResultDto)
  @ApiErrors('PERMISSION_DENIED')
  @Post('auth/login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Req() request: Request): Promise<LoginResult> {
    return this.auth.login(dto, metadataOf(request));
  }

  /** The `/login` alias older clients call. */
  @Public()
  @CredentialRoute()
  @NoStore()
  @ApiBody(LoginResultDto)
  @ApiErrors('PERMISSION_DENIED')
  @Post('login')
  @HttpCode(200)
  loginAlias(@Body() dto: LoginDto, @Req() request: Request): Promise<LoginResult> {
    return this.auth.login(dto, metadataOf(request));
  }

  @Public()
  @CredentialRoute()
  @NoStore()
  @ApiBody(RefreshResultDto)
  @ApiErrors('UNAUTHORIZED')
  @Post('auth/refresh')
  @HttpCode(200)
  refresh(@Body() dto: RefreshDto): Promise<RefreshResult> {
    return this.auth.refresh(dto.refreshToken);
  }

  @Public()
  @CredentialRoute()
  @NoStore()
  @ApiBody(VerifyResultDto)
  @ApiErrors('UNAUTHORIZED', 'TOKEN_EXPIRED')
  @Post('auth/verify')
  @HttpCode(200)
  verify(@Body() dto: VerifyDto, @Req() request: Request): Promise<VerifyResult> {
    return this.auth.verify(dto.token !== undefined ? credentialFromToken(dto.token) : credentialsFromHeaders(request.headers));
  }

  @OnAuthFailure('UNAUTHORIZED', 'Invalid session')
  @ApiBody(MessageDto)
  @Post('auth/logout')
  @HttpCode(200)
  logout(@CurrentUser() principal: UserPrincipal) {
    return this.auth.logout(principal);
  }

  @OnAuthFailure('UNAUTHORIZED', 'Invalid session')
  @CredentialRoute()
  @ApiBody(MessageDto)
  @ApiErrors('PERMISSION_DENIED')
  @Post('auth/signout')
  @HttpCode(200)
  signout(@Body() dto: SignoutDto, @CurrentUser() principal: UserPrincipal) {
    return this.auth.signout(principal, dto.password);
  }

  @OnAuthFailure('PERMISSION_DENIED', 'Incorrect token')
  @NoStore()
  @ApiBody(UserEnvelopeDto)
  @Get('auth/user')
  me(@CurrentUser() principal: UserPrincipal) {
    return this.auth.me(principal);
  }

  @OnAuthFailure('UNAUTHORIZED', 'Invalid session')
  @CredentialRoute()
  @ApiBody(UserEnvelopeDto)
  @ApiErrors('USERNAME_TAKEN', 'EMAIL_TAKEN')
  @Post('auth/user')
  @HttpCode(200)
  update(@Body() dto: UpdateAccountDto, @CurrentUser() principal: UserPrincipal) {
    return this.auth.updateAccount(principal, dto);
  }
}

function metadataOf(request: Request): SessionMetadata {
  return { ip: request.ip ?? null, userAgent: request.headers['user-agent']?.slice(0, MAX_USER_AGENT) ?? null };
}
