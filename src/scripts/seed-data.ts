import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { Role } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { ChannelsService } from '../modules/channels/channels.service';
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

export interface SeededAccount {
  username: string;
  role: Role;
  /** Set only for an account this run created; existing accounts keep their password. */
  password?: string;
}

export interface SeedReport {
  accounts: SeededAccount[];
  channels: { name: string; created: boolean }[];
}

/** A random password that satisfies the policy (lower, upper, digit, special). */
function generatePassword(): string {
  return `${randomBytes(9).toString('base64url')}aA1!`;
}

/** Creates an admin, a few test users and public channels; what exists is left untouched. Idempotent. */
export async function seedDemoData(app: INestApplicationContext): Promise<SeedReport> {
  const users = app.get(UsersService);
  const accounts: SeededAccount[] = [];
  for (const account of ACCOUNTS) {
    const password = generatePassword();
    try {
      await users.register({ ...account, password });
      accounts.push({ username: account.username, role: account.role, password });
    } catch (error) {
      if (!(error instanceof AppError && error.code === 'USERNAME_TAKEN')) throw error;
      accounts.push({ username: account.username, role: account.role });
    }
  }

  const channelsService = app.get(ChannelsService);
  const channels: SeedReport['channels'] = [];
  for (const channel of CHANNELS) {
    const created = await channelsService.ensureSeeded(channel);
    channels.push({ name: channel.name, created });
  }
  return { accounts, channels };
}
