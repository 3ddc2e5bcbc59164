import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { Passport } from 'passport';
import { AuthGuard } from '../../common/auth/auth.guard';
import { APP_PASSPORT } from '../../common/auth/auth-strategies';
import { Authenticator } from '../../common/auth/authenticator';
import { ServiceKeyVerifier } from '../../common/auth/service-key';
import { RedisConnections } from '../../common/redis/redis-connections';
import type { Env } from '../../config/env.validation';
import { UsersModule } from '../users/users.module';
import { ACCESS_TOKEN_ALGORITHM, accessTokenKey, AccessTokens } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationService } from './authentication.service';
import { InMemoryLoginLockout, lockoutSettings, LoginLockout } from './login-lockout';
import { RedisLoginLockout } from './redis-login-lockout';
import { Session, SessionSchema } from './schemas/session.schema';
import { SessionToken, SessionTokenSchema } from './schemas/session-token.schema';
import { SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import { SessionSharing } from './session-sharing';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';
import { AccessTokenStrategy } from './strategies/access-token.strategy';
import { ServiceKeyStrategy } from './strategies/service-key.strategy';
import { SessionTokenStrategy } from './strategies/session-token.strategy';

/**
 * Global: the HTTP guard, the socket handshake and the /ws upgrade of every module
 * authenticate through its Authenticator (the guard's service-key strategy checks
 * API keys with ServiceKeyVerifier). Sessions, tokens and caches stay inside;
 * accounts are reached through UsersService only.
 */
@Global()
@Module({
  imports: [
    UsersModule,
    MongooseModule.forFeature([
      { name: Session.name, schema: SessionSchema },
      { name: SessionToken.name, schema: SessionTokenSchema },
    ]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({
        secret: accessTokenKey(config),
        signOptions: { algorithm: ACCESS_TOKEN_ALGORITHM, expiresIn: config.get('JWT_ACCESS_TTL_S', { infer: true }) },
        verifyOptions: { algorithms: [ACCESS_TOKEN_ALGORITHM] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AccessTokens,
    AuthService,
    AuthenticationService,
    { provide: Authenticator, useExisting: AuthenticationService },
    {
      provide: LoginLockout,
      inject: [ConfigService, RedisConnections],
      useFactory: (config: ConfigService<Env, true>, redis: RedisConnections): LoginLockout =>
        redis.enabled ? new RedisLoginLockout(redis, lockoutSettings(config)) : new InMemoryLoginLockout(lockoutSettings(config)),
    },
    SessionCache,
    SessionRevocations,
    SessionSharing,
    SessionsRepository,
    SessionsService,
    ServiceKeyVerifier,
    { provide: APP_PASSPORT, useFactory: () => new Passport() },
    AccessTokenStrategy,
    SessionTokenStrategy,
    ServiceKeyStrategy,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator],
})
export class AuthModule {}
