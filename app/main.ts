import { type Config, ConfigError, loadConfig } from '../platform/config';
import { Lifecycle } from '../platform/lifecycle';
import { createLogger } from '../platform/logger';
import { checkRedis, RedisUnreachableError } from '../platform/redis';
import { openDatabase } from '../services/db/open';

const USAGE = `Usage: node dist/app/main.js <command>

Commands:
  all       HTTP server and workers in one process (the embedded default; seeds demo data when empty)
  server    HTTP server only (bot endpoints, web chat, pages, staff API)
  worker    workers only (outbox relay, notifications, staff alerts, scheduled jobs)
  migrate   bring the database schema up to date and exit
  seed      put the demo data into an empty database, print its credentials, and exit

Configuration comes from environment variables: see .env.example and the README.`;

async function main(command: string | undefined): Promise<void> {
  if (!command || !['all', 'server', 'worker', 'migrate', 'seed'].includes(command)) {
    process.stdout.write(`${USAGE}\n`);
    process.exitCode = command === undefined || command === '--help' || command === 'help' ? 0 : 2;
    return;
  }
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) return fail(`Configuration error: ${error.problems.join('; ')}`);
    throw error;
  }
  const logger = createLogger(config.LOG_LEVEL);

  if (command === 'migrate') {
    const db = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR });
    await db.close();
    logger.info({ driver: config.databaseDriver }, 'database schema is up to date');
    return;
  }

  if (command === 'seed') {
    const { buildContext } = await import('./compose');
    const lifecycle = new Lifecycle(logger);
    const ctx = await buildContext(config, logger, lifecycle);
    const { seedDemo } = await import('./demo');
    const summary = await seedDemo(ctx, config.publicBaseUrl);
    if (!summary) process.stdout.write('The database already holds data: nothing seeded.\n');
    await lifecycle.stop();
    return;
  }

  // Redis is needed by every other command: say so before the slower database start.
  await checkRedis(config.REDIS_URL);
  // Loaded only now, so that usage and configuration errors answer at once.
  const { buildContext, startBackground, startServer } = await import('./compose');
  const lifecycle = new Lifecycle(logger);
  lifecycle.exitOnSignals();
  const ctx = await buildContext(config, logger, lifecycle);
  logger.info({ driver: config.databaseDriver, channels: config.CHANNELS }, 'database ready');

  if (command === 'all' || command === 'server') {
    const { url } = await startServer(ctx, lifecycle);
    logger.info({ url, port: config.PORT }, 'http server listening');
    const seeded =
      command === 'all' && config.DEMO_DATA
        ? await (await import('./demo')).seedDemo(ctx, config.publicBaseUrl)
        : undefined;
    if (!seeded && config.CHANNELS.includes('web'))
      process.stdout.write(`Web chat: ${config.publicBaseUrl}/chat\n`);
  }
  if (command === 'all' || command === 'worker') {
    await startBackground(ctx, lifecycle);
    logger.info({ concurrency: config.WORKER_CONCURRENCY }, 'workers started');
  }
}

function fail(message: string): void {
  process.stderr.write(`${message}\n`);
  process.exitCode = 1;
}

main(process.argv[2]).catch((error: unknown) => {
  if (error instanceof RedisUnreachableError) {
    fail(error.message);
  } else if (isDatabaseConnectionError(error)) {
    fail(
      `Database is not reachable: ${(error as Error).message}. Check DATABASE_URL (or unset it to use the embedded PGlite).`,
    );
  } else {
    process.stderr.write(`Start failed: ${(error as Error)?.stack ?? error}\n`);
    process.exitCode = 1;
  }
  // Whatever was opened before the failure must not keep the process alive.
  setTimeout(() => process.exit(), 100).unref();
});

function isDatabaseConnectionError(error: unknown): boolean {
  const code = (error as { code?: string })?.code;
  return ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', '28P01', '3D000', '28000'].includes(code ?? '');
}
