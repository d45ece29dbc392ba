import { randomBytes } from 'node:crypto';
import type { Writable } from 'node:stream';
import { buildContext, startBackground, startServer } from '../../app/compose';
import type { AppContext } from '../../app/context';
import { loadConfig } from '../../platform/config';
import { Lifecycle } from '../../platform/lifecycle';
import { createLogger } from '../../platform/logger';
import type { Database } from '../../services/db/database';
import { TEST_SCRYPT } from '../../services/passwords';
import { createTestDatabase, type Driver } from './db';

export interface TestApp {
  /** http://localhost:<port> of the running server. */
  url: string;
  ctx: AppContext;
  db: Database;
  /** Stops the server (and workers), then drops the test database unless `keepDatabase`. */
  stop(options?: { keepDatabase?: boolean }): Promise<void>;
}

/**
 * Starts the real application on a free port over a fresh test database, the way `npm start` does.
 * Each app gets its own Redis key prefix, so test files never share queues or channels.
 * Pass `db` to start a second app on the same database (a restart).
 */
export async function startTestApp(
  options: {
    driver?: Driver;
    env?: Record<string, string>;
    workers?: boolean;
    db?: Database;
    now?: () => Date;
    /** Where the app's logs go (default: nowhere, or TEST_LOG_LEVEL to the console). */
    log?: { level: string; stream: Writable };
  } = {},
): Promise<TestApp> {
  const testDb = options.db ? undefined : await createTestDatabase(options.driver ?? 'pglite');
  const db = options.db ?? testDb!.db;
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    REDIS_PREFIX: `t${randomBytes(4).toString('hex')}`,
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    // Test files open many browsers and send many messages from 127.0.0.1; the limits have tests of their own.
    WEBCHAT_SESSIONS_PER_HOUR: '100000',
    WEBCHAT_MESSAGES_PER_MINUTE: '100000',
    ...options.env,
  });
  const logger = options.log
    ? createLogger(options.log.level, options.log.stream)
    : createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const lifecycle = new Lifecycle(logger);
  // Cheaper scrypt parameters keep sign-ins fast in tests; the hashing itself is the real one.
  const ctx = await buildContext(config, logger, lifecycle, { db, now: options.now, scrypt: TEST_SCRYPT });
  const { url } = await startServer(ctx, lifecycle);
  if (options.workers) await startBackground(ctx, lifecycle);
  return {
    url,
    ctx,
    db,
    async stop(stopOptions = {}) {
      await lifecycle.stop();
      if (testDb && !stopOptions.keepDatabase) await testDb.drop();
    },
  };
}
