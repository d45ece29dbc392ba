/**
 * The real server in a child process, for crash tests: `node --import tsx test/support/crash-server.ts`.
 * Configured by the environment like the product (DATABASE_URL or DATA_DIR, REDIS_PREFIX, ...). With
 * CRASH_ON_ACTION=<action>, the process kills itself (SIGKILL, no clean-up at all) in the turn whose
 * pressed value has that action, after the dialogs ran and before the turn is committed. Prints
 * `READY <url>` once it listens.
 */
import { buildContext, startServer } from '../../app/compose';
import { loadConfig } from '../../platform/config';
import { Lifecycle } from '../../platform/lifecycle';
import { createLogger } from '../../platform/logger';
import { TEST_SCRYPT } from '../../services/passwords';

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(process.env.CHILD_LOG_LEVEL ?? 'silent');
  const lifecycle = new Lifecycle(logger);
  lifecycle.exitOnSignals();
  const ctx = await buildContext(config, logger, lifecycle, { scrypt: TEST_SCRYPT });
  const crashOn = process.env.CRASH_ON_ACTION;
  const { url } = await startServer(ctx, lifecycle, {
    botHooks: {
      async beforeCommit(context) {
        const action = (context.activity.value as { action?: string } | undefined)?.action;
        if (crashOn && action === crashOn) {
          process.kill(process.pid, 'SIGKILL');
          await new Promise(() => undefined); // nothing of this turn goes on
        }
      },
    },
  });
  process.stdout.write(`READY ${url}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`crash-server failed to start: ${(error as Error)?.stack ?? error}\n`);
  process.exit(1);
});
