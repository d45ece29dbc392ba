import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import type { AppContext } from '../../app/context';
import { loadConfig } from '../../platform/config';
import { createLogger } from '../../platform/logger';
import { createServices } from '../../services';
import type { Priority, ReplyChannel, StaffActor } from '../../services/contracts';
import type { Database } from '../../services/db/database';
import { TEST_SCRYPT } from '../../services/passwords';
import { type RunningWorkers, startWorkers, type WorkerOptions } from '../../workers';
import { createTestDatabase, type Driver, type TestDatabase } from '../support/db';
import { createCustomer, createOrganization, createStaff, type TestCustomer } from '../support/fixtures';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface Harness {
  ctx: AppContext;
  db: Database;
  prefix: string;
  workers: RunningWorkers | undefined;
  start(options?: WorkerOptions): Promise<RunningWorkers>;
  stop(): Promise<void>;
}

/**
 * The workers of the real application over a fresh test database and the real domain services, with
 * their own Redis key prefix (removed at stop). Tests start the workers with the options they need.
 */
export async function createHarness(
  options: { driver?: Driver; env?: Record<string, string>; redisUrl?: string; db?: TestDatabase } = {},
): Promise<Harness> {
  const testDb = options.db ?? (await createTestDatabase(options.driver ?? 'pglite'));
  const prefix = `tw${randomBytes(4).toString('hex')}`;
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    REDIS_PREFIX: prefix,
    REDIS_URL: redisUrl,
    OUTBOX_POLL_MS: '20',
    JOB_ATTEMPTS: '4',
    JOB_BACKOFF_MS: '100',
    CHANNELS: 'web',
    ...options.env,
  });
  const logger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
  const now = () => new Date();
  const services = createServices(testDb.db, {
    categories: config.TICKET_CATEGORIES,
    ratingWindowDays: config.RATING_WINDOW_DAYS,
    ratingReminderHours: config.RATING_REMINDER_HOURS,
    now,
    scrypt: TEST_SCRYPT,
  });
  const ctx: AppContext = { config, logger, db: testDb.db, services, now };
  const running: RunningWorkers[] = [];
  const harness: Harness = {
    ctx,
    db: testDb.db,
    prefix,
    workers: undefined,
    async start(workerOptions = {}) {
      const w = await startWorkers(ctx, workerOptions);
      running.push(w);
      harness.workers = w;
      return w;
    },
    async stop() {
      for (const w of running.splice(0)) await w.stop().catch(() => undefined);
      await deleteKeys(redisUrl, prefix).catch(() => undefined);
      if (!options.db) await testDb.drop();
    },
  };
  return harness;
}

/** Removes every key of a test's prefix. */
export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new IORedis(redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A customer whose tickets report through `reply` (chat = their web chat binding), in `locale`. */
export async function customerWith(
  h: Harness,
  options: { reply: 'chat' | 'sms' | 'email'; locale?: 'zh-CN' | 'en-US'; email?: string; phone?: string },
): Promise<TestCustomer & { reply: ReplyChannel }> {
  const org = await createOrganization(h.db);
  const customer = await createCustomer(h.db, org, {
    email: options.email ?? `c${randomBytes(4).toString('hex')}@example.com`,
    phone: options.phone,
  });
  if (options.locale) {
    await h.db.query('update accounts set locale = $2 where id = $1', [customer.accountId, options.locale]);
    await h.db.query('update chat_bindings set locale = $2 where account_id = $1', [
      customer.accountId,
      options.locale,
    ]);
  }
  const reply: ReplyChannel = options.reply === 'chat' ? customer.chat : { kind: options.reply };
  return { ...customer, reply };
}

/** Files a waiting ticket for the customer through the services; returns its id and number. */
export async function fileTicket(
  h: Harness,
  customer: TestCustomer & { reply: ReplyChannel },
  fields: { title?: string; priority?: Priority } = {},
): Promise<{ id: string; number: string; title: string }> {
  const title = fields.title ?? `Printer ${randomBytes(3).toString('hex')}`;
  const draft = await h.ctx.services.tickets.createDraft(customer.actor, {
    title,
    description: 'The printer shows E42.',
    category: 'technical',
    priority: fields.priority ?? 'normal',
    replyChannel: customer.reply,
  });
  const { ticket } = await h.ctx.services.tickets.submit(customer.actor, draft.id);
  return { id: ticket.id, number: ticket.number!, title };
}

export async function staffMember(h: Harness, name = 'Agent Wang'): Promise<StaffActor & { name: string }> {
  return createStaff(h.db, name);
}

/** Polls `probe` until it returns true (or throws after `timeoutMs`, with `what` in the message). */
export async function eventually(
  probe: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return Number(rows[0]?.n ?? 0);
}

/** How many messages wait for (or reached) this web chat user. */
export function inboxCount(h: Harness, chatUserId: string): Promise<number> {
  return count(h.db, 'select count(*)::int as n from web_chat_inbox where chat_user_id = $1', [chatUserId]);
}
