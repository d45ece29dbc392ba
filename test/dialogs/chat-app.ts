import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppContext } from '../../app/context';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import type { Database } from '../../services/db/database';
import { createServices } from '../../services/index';
import { TEST_SCRYPT } from '../../services/passwords';
import { createTestDatabase } from '../support/db';

export interface ChatApp {
  url: string;
  ctx: AppContext;
  db: Database;
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * The app the transcript tests talk to over HTTP. It is test/support/app.ts `startTestApp()` (the real
 * app) whenever that composes; while other teams' modules (staff API, pages, workers) are still
 * missing from the tree, it is the same bot (createBot: web chat endpoints, dialogs, eTag state on
 * the database) mounted on the same HTTP server factory, without the parts that do not exist yet.
 */
export async function startChatApp(options: { db?: Database; now?: () => Date } = {}): Promise<ChatApp> {
  let full: typeof import('../support/app') | undefined;
  try {
    full = await import('../support/app');
  } catch (error) {
    if (!String(error).includes('Cannot find module')) throw error;
  }
  if (full) return full.startTestApp({ db: options.db, now: options.now });
  return startBotOnly(options);
}

async function startBotOnly(options: { db?: Database; now?: () => Date }): Promise<ChatApp> {
  const { createBot } = await import('../../bot');
  const { createHttpApp } = await import('../../http/server');
  const testDb = options.db ? undefined : await createTestDatabase('pglite');
  const db = options.db ?? testDb!.db;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const now = options.now ?? (() => new Date());
  const services = createServices(db, {
    categories: config.TICKET_CATEGORIES,
    ratingWindowDays: config.RATING_WINDOW_DAYS,
    ratingReminderHours: config.RATING_REMINDER_HOURS,
    now,
    scrypt: TEST_SCRYPT,
  });
  const ctx: AppContext = { config, logger, db, services, now };
  const bot = await createBot(ctx);
  const app = createHttpApp({ logger, modules: bot.modules, readiness: [], trustProxy: false });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  config.publicBaseUrl = url;
  return {
    url,
    ctx,
    db,
    async stop(stopOptions = {}) {
      await bot.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (testDb && !stopOptions.keepDatabase) await testDb.drop();
    },
  };
}
