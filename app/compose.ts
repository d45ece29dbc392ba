import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBot } from '../bot';
import { createApiDocs, createStaffApi } from '../http/api';
import { createPages } from '../http/pages';
import { createHttpApp, type ReadinessCheck } from '../http/server';
import type { Config } from '../platform/config';
import type { Lifecycle } from '../platform/lifecycle';
import type { Logger } from '../platform/logger';
import { checkRedis } from '../platform/redis';
import { appSecret } from '../platform/secret';
import { createServices } from '../services';
import type { Database } from '../services/db/database';
import { openDatabase } from '../services/db/open';
import type { ScryptParams } from '../services/passwords';
import { createJobsReadiness, startWorkers } from '../workers';
import type { AppContext } from './context';

/** Opens the database (migrating it) and builds the domain services. */
export async function buildContext(
  config: Config,
  logger: Logger,
  lifecycle: Lifecycle,
  options: { db?: Database; now?: () => Date; scrypt?: ScryptParams } = {},
): Promise<AppContext> {
  // Workers run several queues at WORKER_CONCURRENCY jobs each: size the pool to keep them fed.
  const poolSize = Math.min(50, 10 + 2 * config.WORKER_CONCURRENCY);
  const db =
    options.db ?? (await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize }));
  if (!options.db) lifecycle.add({ name: 'database', stop: () => db.close() });
  const now = options.now ?? (() => new Date());
  const services = createServices(db, {
    categories: config.TICKET_CATEGORIES,
    ratingWindowDays: config.RATING_WINDOW_DAYS,
    ratingReminderHours: config.RATING_REMINDER_HOURS,
    retentionDays: config.RETENTION_DAYS,
    anonymousRetentionDays: config.ANONYMOUS_RETENTION_DAYS,
    now,
    scrypt: options.scrypt,
    codes: { secret: appSecret(config) },
  });
  return { config, logger, db, services, now };
}

/** The HTTP side: bot endpoints and web chat, the secret pages, the staff API, health. */
export async function startServer(
  ctx: AppContext,
  lifecycle: Lifecycle,
  options: { botHooks?: Parameters<typeof createBot>[1] } = {},
): Promise<{ server: Server; url: string }> {
  await checkRedis(ctx.config.REDIS_URL);
  const bot = await createBot(ctx, options.botHooks);
  lifecycle.add({ name: 'bot', stop: () => bot.stop() });
  const readiness: ReadinessCheck[] = [
    {
      name: 'database',
      check: async () => {
        await ctx.db.query('select 1');
        return undefined;
      },
    },
    {
      name: 'redis',
      check: async () => {
        await checkRedis(ctx.config.REDIS_URL, 1000);
        return undefined;
      },
    },
    ...bot.readiness,
  ];
  const jobs = createJobsReadiness(ctx.config);
  readiness.push(jobs);
  lifecycle.add({ name: 'jobs-readiness', stop: () => jobs.close() });
  const app = createHttpApp({
    logger: ctx.logger,
    modules: [...bot.modules, createPages(ctx, bot), createStaffApi(ctx), createApiDocs(ctx)],
    readiness,
    trustProxy: ctx.config.NODE_ENV === 'production',
  });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(ctx.config.PORT, ctx.config.HOST, () => resolve(s));
    s.once('error', reject);
  });
  lifecycle.add({
    name: 'http',
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Long-lived connections (server-sent events, keep-alive) must not hold the shutdown.
        server.closeIdleConnections();
        setTimeout(() => server.closeAllConnections(), 2000).unref();
      }),
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://localhost:${port}`;
  // Without PUBLIC_BASE_URL, links in chat point at this server as it listens (port 0 = any free port).
  if (!ctx.config.PUBLIC_BASE_URL) ctx.config.publicBaseUrl = url;
  return { server, url };
}

/** The background side: outbox relay, job processors, scheduled sweeps. */
export async function startBackground(ctx: AppContext, lifecycle: Lifecycle): Promise<void> {
  await checkRedis(ctx.config.REDIS_URL);
  const workers = await startWorkers(ctx);
  lifecycle.add({ name: 'workers', stop: () => workers.stop() });
}

export type { Config };
