import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ChannelsModule } from '../channels/channels.module';
import { InvitationsModule } from '../invitations/invitations.module';
import { AdminBootstrapService } from './admin-bootstrap.service';
import { AdvancedUsersController } from './advanced-users.controller';
import { AdvancedUsersService } from './advanced-users.service';
import { ApiUsersController } from './api-users.controller';
import { PasswordHasher } from './password-hasher.service';
import { RegistrationService } from './registration.service';
import { User, UserSchema } from './schemas/user.schema';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [MongooseModule.forFeature([{ name: User.name, schema: UserSchema }]), InvitationsModule, ChannelsModule],
  controllers: [UsersController, ApiUsersController, AdvancedUsersController],
  providers: [UsersRepository, UsersService, PasswordHasher, RegistrationService, AdminBootstrapService, AdvancedUsersService],
  exports: [UsersService, UsersRepository, PasswordHasher, RegistrationService],
})
export class UsersModule {}
