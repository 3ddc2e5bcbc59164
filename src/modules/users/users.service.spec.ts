import type { ConfigService } from '@nestjs/config';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import type { ClusterBus } from '../../common/redis/cluster-bus';
import type { RedisConnections } from '../../common/redis/redis-connections';
import * as bcrypt from 'bcrypt';
import { StrictStubs, strictMock } from '../../../test/utils/strict-mock';
import type { Env } from '../../config/env.validation';
import type { InvitationsService } from '../invitations/invitations.service';
import { PasswordHasher } from './password-hasher.service';
import { UserProfileCache } from './user-profile-cache';
import type { UserRecord } from './schemas/user.schema';
import type { PublicUser } from './user.presenter';
import { USER_EVENTS } from './users.events';
import type { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

// Wrapped, not replaced: the hasher tests count real compares.
jest.mock('bcrypt', () => {
  const actual = jest.requireActual<typeof import('bcrypt')>('bcrypt');
  return { ...actual, compare: jest.fn((password: string, hash: string) => actual.compare(password, hash)) };
});

const CREATED = new Date('2026-01-01T00:00:00Z');

function record(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    _id: 'u1',
    username: 'Alice',
    username_key: 'alice',
    email: null,
    email_key: '~u1',
    display_name: 'Alice',
    password_hash: 'stored-hash',
    score: 0,
    role: 'user',
    is_active: true,
    last_login: null,
    created_at: CREATED,
    updated_at: CREATED,
    ...overrides,
  };
}

const SELF = { kind: 'user', userId: 'u1', username: 'Alice', role: 'user', sessionId: 's1' } as const;

const PUBLIC: PublicUser = {
  id: 'u1',
  username: 'Alice',
  email: null,
  display_name: 'Alice',
  score: 0,
  role: 'user',
  is_active: true,
  created_at: CREATED.toISOString(),
  last_login: null,
};

function configOf(settings: Partial<Env>): ConfigService<Env, true> {
  return strictMock<ConfigService<Env, true>>({ get: jest.fn((name: keyof Env) => settings[name]) }, 'config');
}

describe('UsersService', () => {
  let emit: jest.Mock;
  let publish: jest.Mock;
  let profiles: UserProfileCache;

  function build(
    repository: StrictStubs<UsersRepository>,
    hasher: StrictStubs<PasswordHasher> = {},
    invitations: StrictStubs<InvitationsService> = {},
    mode: Env['REGISTRATION_MODE'] = 'open',
  ): UsersService {
    return new UsersService(
      strictMock<UsersRepository>(repository, 'users repository'),
      profiles,
      strictMock<PasswordHasher>(hasher, 'hasher'),
      strictMock<InvitationsService>(invitations, 'invitations'),
      strictMock<EventEmitter2>({ emit }, 'events'),
      configOf({ REGISTRATION_MODE: mode }),
    );
  }

  beforeEach(() => {
    emit = jest.fn().mockReturnValue(true);
    publish = jest.fn().mockResolvedValue(undefined);
    profiles = new UserProfileCache(strictMock<ClusterBus>({ deliver: publish }, 'bus'), strictMock<RedisConnections>({ enabled: false }, 'redis'));
  });

  describe('find (the profile cache)', () => {
    it('reads an account once, then answers from the cache; an unknown id is read every time', async () => {
      const findById = jest.fn((id: string) => Promise.resolve(id === 'u1' ? record() : null));
      const service = build({ findById });
      expect(await service.find('u1')).toEqual(PUBLIC);
      expect(await service.find('u1')).toEqual(PUBLIC);
      expect(await service.find('gone')).toBeNull();
      expect(await service.find('gone')).toBeNull();
      expect(findById.mock.calls).toEqual([['u1'], ['gone'], ['gone']]);
    });

    it.each([
      ['recordLogin', { recordLogin: jest.fn().mockResolvedValue(record()) }, (s: UsersService) => s.recordLogin('u1', new Date())],
      ['updateAccount', { updateAccount: jest.fn().mockResolvedValue(record()) }, (s: UsersService) => s.updateAccount('u1', { email: 'a@example.com' })],
      ['incrementScore', { incrementScore: jest.fn().mockResolvedValue(record({ score: 5 })) }, (s: UsersService) => s.incrementScore('u1', 5)],
      ['remove', { deleteById: jest.fn().mockResolvedValue(true) }, (s: UsersService) => s.remove('u1', SELF)],
    ] as const)('%s drops the cached profile here and on the other instances', async (_name, stubs, write) => {
      const findById = jest.fn().mockResolvedValue(record());
      const service = build({ findById, ...stubs });
      await service.find('u1');
      await write(service);
      expect(publish).toHaveBeenCalledWith('users', { id: 'u1' });
      await service.find('u1');
      expect(findById).toHaveBeenCalledTimes(2);
    });

    it('answers a write only once the other instances were told, so the client’s next request anywhere reads the change', async () => {
      let delivered!: () => void;
      publish.mockReturnValue(new Promise<void>((resolve) => (delivered = resolve)));
      const service = build({ updateAccount: jest.fn().mockResolvedValue(record()) });
      let answered = false;
      const write = service.updateAccount('u1', { email: 'a@example.com' }).then(() => (answered = true));
      await new Promise((resolve) => setImmediate(resolve));
      expect(publish).toHaveBeenCalledWith('users', { id: 'u1' });
      expect(answered).toBe(false);
      delivered();
      await write;
      expect(answered).toBe(true);
    });

    it('drops the cached profile also when the write fails (it may have landed)', async () => {
      const findById = jest.fn().mockResolvedValue(record());
      const service = build({ findById, recordLogin: jest.fn().mockRejectedValue(new Error('connection reset')) });
      await service.find('u1');
      await expect(service.recordLogin('u1', new Date())).rejects.toThrow('connection reset');
      await service.find('u1');
      expect(findById).toHaveBeenCalledTimes(2);
    });
  });

  describe('verifyCredentials (login)', () => {
    it('answers the account when the password matches, after one lookup and one compare', async () => {
      const findByUsername = jest.fn().mockResolvedValue(record());
      const verify = jest.fn().mockResolvedValue(true);
      expect(await build({ findByUsername }, { verify }).verifyCredentials('ALICE', 'secret')).toEqual(PUBLIC);
      expect(findByUsername).toHaveBeenCalledWith('ALICE');
      expect(verify).toHaveBeenCalledTimes(1);
      expect(verify).toHaveBeenCalledWith('secret', 'stored-hash');
    });

    it('answers null for a wrong password, and for an inactive account only its state tells', async () => {
      const verify = jest.fn().mockResolvedValueOnce(false).mockResolvedValueOnce(true);
      const service = build({ findByUsername: jest.fn().mockResolvedValue(record({ is_active: false })) }, { verify });
      expect(await service.verifyCredentials('alice', 'wrong')).toBeNull();
      expect(await service.verifyCredentials('alice', 'secret')).toEqual({ ...PUBLIC, is_active: false });
    });

    it('still runs exactly one compare for an unknown name or a password-less account', async () => {
      const verify = jest.fn().mockResolvedValue(false);
      const findByUsername = jest
        .fn()
        .mockResolvedValueOnce(null)
        .mockResolvedValueOnce(record({ password_hash: null }));
      const service = build({ findByUsername }, { verify });
      expect(await service.verifyCredentials('nobody', 'secret')).toBeNull();
      expect(await service.verifyCredentials('alice', 'secret')).toBeNull();
      expect(verify.mock.calls).toEqual([
        ['secret', undefined],
        ['secret', null],
      ]);
    });
  });

  describe('passwordMatches (signout)', () => {
    it("tells whether the password is the account's, and undefined when there is no account", async () => {
      const findById = jest.fn().mockResolvedValueOnce(record()).mockResolvedValueOnce(null);
      const verify = jest.fn().mockResolvedValue(true);
      const service = build({ findById }, { verify });
      expect(await service.passwordMatches('u1', 'secret')).toBe(true);
      expect(await service.passwordMatches('gone', 'secret')).toBeUndefined();
      expect(findById.mock.calls).toEqual([['u1'], ['gone']]);
      expect(verify).toHaveBeenCalledTimes(1);
    });
  });

  describe('account writes', () => {
    it('updateAccount hashes a new password and writes every field in one update', async () => {
      const updateAccount = jest.fn().mockResolvedValue(record({ username: 'Alicia' }));
      const hash = jest.fn().mockResolvedValue('new-hash');
      const service = build({ updateAccount }, { hash });
      expect(await service.updateAccount('u1', { username: 'Alicia', password: 'N3w-secret' })).toEqual({ ...PUBLIC, username: 'Alicia' });
      expect(hash).toHaveBeenCalledWith('N3w-secret');
      expect(updateAccount).toHaveBeenCalledWith('u1', { username: 'Alicia', email: undefined, password_hash: 'new-hash' });
    });

    it('updateAccount without a password hashes nothing; a missing account answers null', async () => {
      const updateAccount = jest.fn().mockResolvedValue(null);
      expect(await build({ updateAccount }).updateAccount('u1', { email: 'a@example.com' })).toBeNull();
      expect(updateAccount).toHaveBeenCalledWith('u1', { username: undefined, email: 'a@example.com' });
    });

    it('recordLogin stamps the time on an active account and answers null otherwise', async () => {
      const at = new Date('2026-03-01T12:00:00Z');
      const recordLogin = jest
        .fn()
        .mockResolvedValueOnce(record({ last_login: at }))
        .mockResolvedValueOnce(null);
      const service = build({ recordLogin });
      expect(await service.recordLogin('u1', at)).toEqual({ ...PUBLIC, last_login: at.toISOString() });
      expect(await service.recordLogin('u1', at)).toBeNull();
      expect(recordLogin).toHaveBeenCalledWith('u1', at);
    });
  });

  describe('signUp', () => {
    it('in open mode without a code creates the account (as a plain user) without touching invitations', async () => {
      const create = jest.fn().mockResolvedValue(record());
      const service = build({ create }, { hash: jest.fn().mockResolvedValue('h') });
      expect(await service.signUp({ username: 'Alice', password: 'secret' })).toEqual(PUBLIC);
      expect(create).toHaveBeenCalledWith({ username: 'Alice', email: null, display_name: 'Alice', password_hash: 'h', role: undefined });
      expect(emit).toHaveBeenCalledWith(USER_EVENTS.created, { user: PUBLIC });
    });

    it('in open mode with a code admits through the invitation like invite mode', async () => {
      const create = jest.fn().mockResolvedValue(record());
      const admit = jest.fn((_code: string | undefined, _username: string, register: () => Promise<PublicUser>) => register());
      const service = build({ create }, { hash: jest.fn().mockResolvedValue('h') }, { admit });
      expect(await service.signUp({ username: 'Alice', password: 'secret' }, 'CODE-1')).toEqual(PUBLIC);
      expect(admit).toHaveBeenCalledWith('CODE-1', 'Alice', expect.any(Function));
      expect(create).toHaveBeenCalledTimes(1);
    });

    it('in invite mode creates the account inside the invitation admission', async () => {
      const create = jest.fn().mockResolvedValue(record());
      const admit = jest.fn((_code: string | undefined, _username: string, register: () => Promise<PublicUser>) => register());
      const service = build({ create }, { hash: jest.fn().mockResolvedValue('h') }, { admit }, 'invite');
      expect(await service.signUp({ username: 'Alice', password: 'secret' }, 'CODE-1')).toEqual(PUBLIC);
      expect(admit).toHaveBeenCalledWith('CODE-1', 'Alice', expect.any(Function));
      expect(create).toHaveBeenCalledTimes(1);
    });
  });
});

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher(configOf({ BCRYPT_COST: 4 }));

  const compare = jest.mocked(bcrypt.compare);

  beforeAll(() => hasher.onModuleInit());
  beforeEach(() => compare.mockClear());

  it('verifies a hash it made', async () => {
    const hash = await hasher.hash('secret');
    expect(await hasher.verify('secret', hash)).toBe(true);
    expect(await hasher.verify('Secret', hash)).toBe(false);
  });

  it('compares against a throwaway hash when there is none, and never matches', async () => {
    expect(await hasher.verify('secret', null)).toBe(false);
    expect(await hasher.verify('secret', undefined)).toBe(false);
    expect(compare).toHaveBeenCalledTimes(2);
    // A real bcrypt hash of the configured cost, so the compare costs what a real one does.
    expect(compare.mock.calls[0][1]).toMatch(/^\$2[aby]\$04\$.{53}$/);
    expect(compare.mock.calls[1][1]).toBe(compare.mock.calls[0][1]);
  });
});
