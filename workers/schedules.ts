import type { Job, Queue } from 'bullmq';
import type { AppContext } from '../app/context';

/**
 * Time-driven ticket work (F7 auto-close, F8/F9 queue milestones, F9 rating reminders) as BullMQ job
 * schedulers: one scheduler per sweep exists once in Redis however many workers upsert it, and each
 * tick runs on one worker. The sweeps themselves claim rows with `for update skip locked`, so even
 * two runs at once (a slow tick overlapping the next, two deployments) handle each ticket once.
 */
export const SWEEPS = {
  'queue-milestones': { every: 30_000 },
  'rating-reminders': { every: 5 * 60_000 },
  'auto-close': { every: 15 * 60_000 },
} as const;

export type SweepName = keyof typeof SWEEPS;

export async function upsertSchedules(queue: Queue): Promise<void> {
  for (const [name, repeat] of Object.entries(SWEEPS)) {
    await queue.upsertJobScheduler(
      name,
      { every: repeat.every },
      { name, opts: { removeOnComplete: 100, removeOnFail: 1000 } },
    );
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
    default:
      throw new Error(`unknown sweep ${job.name}`);
  }
  if (count > 0) ctx.logger.info({ sweep, count }, 'sweep done');
  return { sweep, count };
}
