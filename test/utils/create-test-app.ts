import type { AddressInfo } from 'node:net';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { AppModule } from '../../src/app.module';
import { configureApp } from '../../src/app.setup';

export interface TestApp {
  app: NestExpressApplication;
  /** `http://127.0.0.1:<port>` of the listening app. */
  url: string;
  port: number;
  connection: Connection;
  http: () => ReturnType<typeof request>;
  clearDatabase: () => Promise<void>;
  close: () => Promise<void>;
}

/**
 * Boots the real AppModule with main.ts's configureApp, on a random loopback
 * port, against the e2e database (test/setup). `env` overrides variables.
 */
export async function createTestApp(env: Record<string, string | undefined> = {}): Promise<TestApp> {
  const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot({ env })] }).compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, logger: false });
  await configureApp(app);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;
  const connection = app.get<Connection>(getConnectionToken());

  return {
    app,
    url,
    port,
    connection,
    http: () => request(url),
    clearDatabase: () => clearDatabase(connection),
    close: () => app.close(),
  };
}

/** Empties every collection but keeps its indexes (uniqueness must still hold). */
export async function clearDatabase(connection: Connection): Promise<void> {
  const collections = await connection.db!.collections();
  await Promise.all(collections.map((collection) => collection.deleteMany({})));
}
