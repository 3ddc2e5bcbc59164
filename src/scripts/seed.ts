import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import type { Role } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { ChannelsRepository } from '../modules/channels/channels.repository';
import { UsersService } from '../modules/users/users.service';

const ACCOUNTS: { username: string; role: Role; display_name: string }[] = [
  { username: 'admin', role: 'admin', display_name: 'Administrator' },
  { username: 'alice', role: 'user', display_name: 'Alice' },
  { username: 'bob', role: 'user', display_name: 'Bob' },
  { username: 'carol', role: 'user', display_name: 'Carol' },
];

/** Public voice channels owned by nobody; found again by name on the next run. */
const CHANNELS = [
  { name: 'General', description: 'Everyone is welcome', max_users: 10 },
  { name: 'Gaming', description: 'Squad voice chat', max_users: 5 },
  { name: 'Music', description: 'Listening room', max_users: 50 },
];

/** A random password that satisfies the policy (lower, upper, digit, special). */
function generatePassword(): string {
  return `${randomBytes(9).toString('base64url')}aA1!`;
}

/** Creates an admin, a few test users and public channels; what exists is left untouched. Idempotent. */
async function seed(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: false, abortOnError: false });
  try {
    const users = app.get(UsersService);
    for (const account of ACCOUNTS) {
      const password = generatePassword();
      try {
        await users.register({ ...account, password });
        console.log(`created ${account.role.padEnd(5)} ${account.username.padEnd(8)} password: ${password}`);
      } catch (error) {
        if (!(error instanceof AppError && error.code === 'USERNAME_TAKEN')) throw error;
        console.log(`exists  ${account.role.padEnd(5)} ${account.username.padEnd(8)} (unchanged)`);
      }
    }
    const channels = app.get(ChannelsRepository);
    for (const channel of CHANNELS) {
      const created = await channels.ensureSeeded({ ...channel, is_private: false, channel_type: 'voice', owner_id: null, member_ids: [] });
      console.log(`${created ? 'created' : 'exists '} channel ${channel.name}`);
    }
  } finally {
    await app.close();
  }
}

seed().catch((error: Error) => {
  console.error(`Seed failed: ${error.message}`);
  process.exit(1);
});
