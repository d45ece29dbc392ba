import { loadConfig } from '../platform/config';
import { safeUrl } from '../platform/redis';
import { JobsInspector } from '../workers/metrics';

/**
 * `npm run jobs:failed [-- --json] [-- --limit N]`: the jobs kept as failed after their last attempt,
 * newest first, with their reasons. Reads REDIS_URL and REDIS_PREFIX like the workers.
 */
async function main(argv: string[]): Promise<number> {
  const config = loadConfig();
  const json = argv.includes('--json');
  const limitArg = argv[argv.indexOf('--limit') + 1];
  const limit = argv.includes('--limit') && limitArg ? Math.max(1, Number(limitArg) || 100) : 100;
  const inspector = new JobsInspector(config);
  try {
    const [jobs, counts] = await Promise.all([inspector.failedJobs(limit), inspector.failedCounts()]);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ total: counts.total, byQueue: counts.byQueue, jobs }, null, 2)}\n`,
      );
      return 0;
    }
    process.stdout.write(
      `Failed jobs in ${safeUrl(config.REDIS_URL)} (prefix ${config.REDIS_PREFIX}): ${counts.total}\n`,
    );
    for (const job of jobs) {
      process.stdout.write(
        [
          '',
          `${job.queue} #${job.id} (${job.name})`,
          `  failed at: ${job.failedAt?.toISOString() ?? '?'} after ${job.attemptsMade} attempt(s)`,
          `  reason:    ${job.failedReason}`,
          ...(job.outboxId !== null ? [`  outbox id: ${job.outboxId}`] : []),
          ...(job.key ? [`  delivery:  ${job.key}`] : []),
        ].join('\n') + '\n',
      );
    }
    return 0;
  } finally {
    await inspector.close();
  }
}

main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    process.stderr.write(`jobs:failed: ${(error as Error).message}\n`);
    process.exitCode = 1;
  });
