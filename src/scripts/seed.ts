import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from '../app.module';
import { seedDemoData } from './seed-data';

/** `npm run seed`: prints the credentials it set; accounts that existed are reported unchanged. */
async function main(): Promise<void> {
  const app = await NestFactory.createApplicationContext(AppModule.forRoot(), { logger: false, abortOnError: false });
  try {
    const report = await seedDemoData(app);
    for (const account of report.accounts) {
      const state = account.password ? `password: ${account.password}` : '(exists, unchanged)';
      console.log(`${account.role.padEnd(5)} ${account.username.padEnd(8)} ${state}`);
    }
    for (const channel of report.channels) console.log(`channel ${channel.name.padEnd(8)} ${channel.created ? 'created' : '(exists)'}`);
  } finally {
    await app.close();
  }
}

main().catch((error: Error) => {
  console.error(`Seed failed: ${error.message}`);
  process.exit(1);
});
