import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { InvitationsModule } from '../invitations/invitations.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AdvancedUsersController } from './advanced-users.controller';
import { AdvancedUsersService } from './advanced-users.service';
import { ApiUsersController } from './api-users.controller';
import { PasswordHasher } from './password-hasher.service';
import { UserProfileCache } from './user-profile-cache';
import { User, UserSchema } from './schemas/user.schema';
import { Username, UsernameSchema } from './schemas/username.schema';
import { UsersController } from './users.controller';
import { UsernamesRepository } from './usernames.repository';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Other modules reach accounts through UsersService only; the repository and the hasher stay inside. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: User.name, schema: UserSchema },
      { name: Username.name, schema: UsernameSchema },
    ]),
    InvitationsModule,
  ],
  controllers: [UsersController, ApiUsersController, AdvancedUsersController],
  providers: [UsersRepository, UsernamesRepository, UsersService, PasswordHasher, AdminBootstrapService, AdvancedUsersService, UserProfileCache],
  exports: [UsersService],
})
export class UsersModule {}
