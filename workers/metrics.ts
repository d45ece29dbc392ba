import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../platform/config';
import { closeRedis, createRedis } from '../platform/redis';
import { ALL_QUEUES } from './queues';

export interface FailedJob {
  queue: string;
  id: string;
  name: string;
  attemptsMade: number;
  failedReason: string;
  failedAt: Date | null;
  outboxId: number | null;
  /** The delivery (outbox id | recipient | channel) whose failure ended the job, if one did. */
  key: string | null;
}

/** Read-only access to the job queues, for the failed-jobs listing and health facts. */
export class JobsInspector {
  private readonly connection: Redis;
  private readonly queues: Queue[];

  constructor(config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX'>) {
    // Fail fast when Redis is down: a health probe must answer, not queue commands.
    this.connection = createRedis(config.REDIS_URL, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    this.connection.on('error', () => undefined);
    // One shared connection serves every queue, and each queue listens for its errors.
    this.connection.setMaxListeners(ALL_QUEUES.length + 10);
    this.queues = ALL_QUEUES.map(
      (name) => new Queue(name, { connection: this.connection, prefix: config.REDIS_PREFIX }),
    );
  }

  /** Failed job counts per queue (only queues with failures) and the total. */
  async failedCounts(): Promise<{ total: number; byQueue: Record<string, number> }> {
    const counts = await Promise.all(this.queues.map((q) => q.getJobCountByTypes('failed')));
    const byQueue: Record<string, number> = {};
    counts.forEach((n, i) => {
      if (n > 0) byQueue[this.queues[i]!.name] = n;
    });
    return { total: counts.reduce((a, b) => a + b, 0), byQueue };
  }

  /** Jobs kept as failed after their last attempt, newest first, with their reasons. */
  async failedJobs(limit = 100): Promise<FailedJob[]> {
    const all: FailedJob[] = [];
    for (const queue of this.queues) {
      const jobs = await queue.getFailed(0, limit - 1);
      for (const job of jobs) {
        const data = (job.data ?? {}) as { outboxId?: number; failedKey?: string };
        all.push({
          queue: queue.name,
          id: String(job.id),
          name: job.name,
          attemptsMade: job.attemptsMade,
          failedReason: job.failedReason ?? '',
          failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
          outboxId: data.outboxId ?? null,
          key: data.failedKey ?? null,
        });
      }
    }
    return all.sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0)).slice(0, limit);
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((q) => q.close()));
    await closeRedis(this.connection);
  }
}

/**
 * A /readyz check (http/server.ts ReadinessCheck shape) that reports failed jobs as a fact. Failed
 * jobs do not make the instance unready (restarting would not fix them); an unreachable Redis does.
 * Wire it in app/compose.ts startServer: `const jobs = createJobsReadiness(ctx.config);`
 * `readiness.push(jobs)` and `lifecycle.add({ name: 'jobs-readiness', stop: () => jobs.close() })`.
 */
export function createJobsReadiness(config: Pick<Config, 'REDIS_URL' | 'REDIS_PREFIX'>) {
  let inspector: JobsInspector | undefined;
  return {
    name: 'jobs',
    async check(): Promise<Record<string, unknown>> {
      inspector ??= new JobsInspector(config);
      const { total, byQueue } = await inspector.failedCounts();
      return { failedJobs: total, failedByQueue: byQueue };
    },
    async close(): Promise<void> {
      await inspector?.close();
    },
  };
}
