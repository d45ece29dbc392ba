import type { Job, Queue, RepeatOptions } from 'bullmq';
import type { AppContext } from '../app/context';

/**
 * Time-driven work (F7 auto-close, F8/F9 queue milestones, F9 rating reminders, the daily purge of
 * transient rows) as BullMQ job schedulers: one scheduler per sweep exists once in Redis however many
 * workers upsert it, and each tick runs on one worker. The sweeps themselves claim rows with
 * `for update skip locked`, so even two runs at once (a slow tick overlapping the next, two
 * deployments) handle each row once.
 */
export type SweepName = 'queue-milestones' | 'rating-reminders' | 'auto-close' | 'retention';

export const SWEEPS: Record<SweepName, RepeatOptions> = {
  'queue-milestones': { every: 30_000 },
  'rating-reminders': { every: 5 * 60_000 },
  'auto-close': { every: 15 * 60_000 },
  // Once a day at a quiet hour for the (mostly mainland China) customers: deletes transient rows in
  // small batches (services/retention.ts). Its deletes skip rows another run holds, so a run that
  // overlaps another (a second deployment, a manual add) is harmless.
  retention: { pattern: '30 3 * * *', tz: 'Asia/Shanghai' },
};

export async function upsertSchedules(queue: Queue): Promise<void> {
  for (const [name, repeat] of Object.entries(SWEEPS)) {
    await queue.upsertJobScheduler(name, repeat, {
      name,
      opts: { removeOnComplete: 100, removeOnFail: 1000 },
    });
  }
}

export async function runSweep(ctx: AppContext, job: Job): Promise<{ sweep: string; count: number }> {
  const now = ctx.now();
  const sweep = job.name as SweepName;
  let count: number;
  switch (sweep) {
    case 'queue-milestones':
      count = await ctx.services.sweeps.queueMilestones();
      break;
    case 'rating-reminders':
      count = await ctx.services.sweeps.ratingReminders(now);
      break;
    case 'auto-close':
      count = await ctx.services.sweeps.autoClose(now);
      break;
    case 'retention': {
      const purged = await ctx.services.retention.purge(now);
      count = Object.values(purged).reduce((a, b) => a + b, 0);
      // Daily: logged even when nothing was due, so an operator sees that it ran.
      ctx.logger.info({ sweep, count, purged }, 'retention: transient rows purged');
      return { sweep, count };
    }
    default:
      throw new Error(`unknown sweep ${job.name}`);
  }
  if (count > 0) ctx.logger.info({ sweep, count }, 'sweep done');
  return { sweep, count };
}
