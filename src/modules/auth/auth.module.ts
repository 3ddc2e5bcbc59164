import { createSecretKey } from 'node:crypto';
import { Global, Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { MongooseModule } from '@nestjs/mongoose';
import { AuthGuard } from '../../common/auth/auth.guard';
import { Authenticator } from '../../common/auth/authenticator';
import { ServiceKeyVerifier } from '../../common/auth/service-key';
import type { Env } from '../../config/env.validation';
import { UsersModule } from '../users/users.module';
import { AccessTokens } from './access-tokens.service';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { AuthenticationService } from './authentication.service';
import { LoginLockout } from './login-lockout';
import { Session, SessionSchema } from './schemas/session.schema';
import { SessionCache } from './session-cache';
import { SessionRevocations } from './session-revocations';
import { SessionsRepository } from './sessions.repository';
import { SessionsService } from './sessions.service';

/** Global: the HTTP guard, the socket handshake and the /ws upgrade of every module authenticate through its Authenticator. */
@Global()
@Module({
  imports: [
    UsersModule,
    MongooseModule.forFeature([{ name: Session.name, schema: SessionSchema }]),
    JwtModule.registerAsync({
      inject: [ConfigService],
      useFactory: (config: ConfigService<Env, true>) => ({
        // A KeyObject, not a string: jsonwebtoken otherwise tries createPublicKey() on the
        // secret and catches the failure on every verify (~1 ms each under load).
        secret: createSecretKey(Buffer.from(config.get('JWT_SECRET', { infer: true }) as string, 'utf8')),
        signOptions: { algorithm: 'HS256', expiresIn: config.get('JWT_ACCESS_TTL_S', { infer: true }) },
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AccessTokens,
    AuthService,
    AuthenticationService,
    { provide: Authenticator, useExisting: AuthenticationService },
    LoginLockout,
    SessionCache,
    SessionRevocations,
    SessionsRepository,
    SessionsService,
    ServiceKeyVerifier,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [Authenticator, SessionsService, ServiceKeyVerifier],
})
export class AuthModule {}
