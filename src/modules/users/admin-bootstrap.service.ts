import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { AppError } from '../../common/errors/app-error';
import type { Env } from '../../config/env.validation';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/** Creates the first admin from ADMIN_USERNAME / ADMIN_PASSWORD when there is none. */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  private readonly logger = new Logger(AdminBootstrapService.name);

  constructor(
    private readonly config: ConfigService<Env, true>,
    private readonly repository: UsersRepository,
    private readonly users: UsersService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const username = this.config.get('ADMIN_USERNAME', { infer: true });
    const password = this.config.get('ADMIN_PASSWORD', { infer: true });
    if (username && password) await this.ensureAdmin(username, password);
  }

  /** Creates this admin unless an admin already exists; never touches an existing account of that name. */
  async ensureAdmin(username: string, password: string): Promise<void> {
    if (await this.repository.adminExists()) return;
    try {
      await this.users.register({ username, password, role: 'admin' });
      this.logger.log(`bootstrap admin "${username}" created`);
    } catch (error) {
      // Another instance won the race, or the name belongs to a non-admin: never overwrite an account.
      if (error instanceof AppError && error.code === 'USERNAME_TAKEN') {
        this.logger.warn(`bootstrap admin not created: username "${username}" is taken`);
        return;
      }
      throw error;
    }
  }
}
