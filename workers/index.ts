import { type Job, Queue, Worker } from 'bullmq';
import type { AppContext } from '../app/context';
import { closeRedis, createRedis } from '../platform/redis';
import { OutboxRelay } from './outbox-relay';
import { processEvent } from './process-event';
import {
  backoffDelay,
  type DeliveryChannel,
  EVENT_QUEUES,
  type EventJobData,
  type EventQueue,
  jobOptions,
  type PlannedDelivery,
  SWEEP_QUEUE,
} from './queues';
import { CHANNEL_LIMITS, type ChannelLimits, RecipientLimiter } from './rate-limits';
import { runSweep, upsertSchedules } from './schedules';
import { createSenders, type SenderOverrides } from './senders';

export { createJobsReadiness, JobsInspector } from './metrics';

export interface WorkerOptions {
  /** Replace senders (tests, the benchmark's no-op sender). */
  senders?: SenderOverrides;
  /** Replace channel limits (the benchmark measures the pipeline, not a provider's limit). */
  limits?: Partial<Record<DeliveryChannel, ChannelLimits>>;
  /** Run the outbox relay in this process (default true). */
  relay?: boolean;
  /** Upsert and run the scheduled sweeps (default true). */
  schedules?: boolean;
  /** BullMQ lock duration (ms): how soon a crashed worker's job is taken over. Default 30 s. */
  lockDurationMs?: number;
  onDelivered?: (delivery: PlannedDelivery) => void;
  beforeRecord?: (delivery: PlannedDelivery) => Promise<void>;
}

export interface RunningWorkers {
  stop(): Promise<void>;
  /** Runs a relay pass now (tests). */
  relayNow(): Promise<number>;
  /**
   * Stops the way a killed process does (tests): running jobs are abandoned with their locks held and
   * the connections dropped, so another worker must take them over when the locks expire.
   */
  crash(): Promise<void>;
}

/**
 * The background side: outbox relay -> event queues -> one job per event that plans and sends its
 * deliveries (in order per ticket, within each provider's limits), plus the scheduled sweeps. Every key
 * starts with config.REDIS_PREFIX.
 */
export async function startWorkers(ctx: AppContext, options: WorkerOptions = {}): Promise<RunningWorkers> {
  const { config, logger } = ctx;
  const log = logger.child({ component: 'workers' });
  const prefix = config.REDIS_PREFIX;
  const limits = { ...CHANNEL_LIMITS, ...options.limits };

  // Processors and workers: commands wait through a Redis restart (BullMQ needs maxRetriesPerRequest null).
  const connection = createRedis(config.REDIS_URL);
  // The relay fails fast instead, so its rows are released at once and retried when Redis is back.
  const relayConnection = createRedis(config.REDIS_URL, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  let redisErrors = 0;
  const onRedisError = (error: Error) => {
    redisErrors += 1;
    if (redisErrors === 1 || redisErrors % 100 === 0)
      log.warn({ err: error, count: redisErrors }, 'workers: Redis error');
  };
  connection.on('error', onRedisError);
  relayConnection.on('error', onRedisError);

  const eventQueuesForRelay = mapValues(
    EVENT_QUEUES,
    (name) => new Queue<EventJobData>(name, { connection: relayConnection, prefix }),
  );
  const eventQueues = mapValues(
    EVENT_QUEUES,
    (name) => new Queue<EventJobData>(name, { connection, prefix }),
  );
  const sweepQueue = new Queue(SWEEP_QUEUE, { connection, prefix });
  const allQueues = [...Object.values(eventQueuesForRelay), ...Object.values(eventQueues), sweepQueue];
  for (const queue of allQueues) queue.on('error', onRedisError);

  const senders = await createSenders(ctx, options.senders);
  const deps = {
    ctx,
    senders,
    eventQueues: eventQueues as Record<EventQueue, Queue<EventJobData>>,
    limiter: new RecipientLimiter(connection, prefix, limits),
    onDelivered: options.onDelivered,
    beforeRecord: options.beforeRecord,
  };

  const common = {
    connection,
    prefix,
    concurrency: config.WORKER_CONCURRENCY,
    lockDuration: options.lockDurationMs ?? 30_000,
    stalledInterval: Math.max(500, Math.floor((options.lockDurationMs ?? 30_000) / 2)),
    settings: {
      backoffStrategy: (attemptsMade: number, _type?: string, err?: Error) =>
        backoffDelay(config, attemptsMade, err),
    },
  };
  const workers: Worker[] = [];
  for (const name of Object.values(EVENT_QUEUES)) {
    workers.push(new Worker<EventJobData>(name, (job, token) => processEvent(deps, job, token), common));
  }
  if (options.schedules !== false) {
    workers.push(new Worker(SWEEP_QUEUE, (job: Job) => runSweep(ctx, job), { ...common, concurrency: 1 }));
    await upsertSchedules(sweepQueue);
    // A Redis that restarted empty (no persistence) forgot the schedulers: put them back.
    connection.on('ready', () => {
      upsertSchedules(sweepQueue).catch((error) =>
        log.warn({ err: error }, 'workers: could not restore schedules'),
      );
    });
  }
  for (const worker of workers) {
    worker.on('failed', (job, error) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError';
      const facts = {
        queue: worker.name,
        jobId: job.id,
        attemptsMade: job.attemptsMade,
        reason: error.message,
      };
      if (final) log.error(facts, 'job failed for good (kept in the failed list)');
      else log.debug(facts, 'job failed, will retry');
    });
    worker.on('error', onRedisError);
  }

  const relay = new OutboxRelay({
    db: ctx.db,
    queues: eventQueuesForRelay as Record<EventQueue, Queue<EventJobData>>,
    jobOptions: (jobId) => jobOptions(config, jobId),
    logger: log,
    pollMs: config.OUTBOX_POLL_MS,
    batch: config.OUTBOX_BATCH,
    now: ctx.now,
  });
  let unlisten: (() => Promise<void>) | undefined;
  if (options.relay !== false) {
    relay.start();
    // Redis is back: relay what waited at once rather than at the end of the relay's back-off.
    relayConnection.on('ready', () => relay.wake());
    // A committed outbox row wakes the relay at once (migration 003's NOTIFY); the poll is the safety net.
    unlisten = await ctx.db
      .listen('outbox', () => relay.wake())
      .catch((error) => {
        log.warn({ err: error }, 'workers: cannot LISTEN for outbox rows; relaying on the poll only');
        return undefined;
      });
  }

  return {
    relayNow: () => relay.runOnce(),
    async crash() {
      await unlisten?.();
      await relay.stop();
      await Promise.all(workers.map((w) => w.close(true).catch(() => undefined)));
      connection.disconnect();
      relayConnection.disconnect();
      await senders.close();
    },
    async stop() {
      await unlisten?.();
      await relay.stop();
      // close() waits for running jobs to finish: a send in progress completes and is recorded.
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(allQueues.map((q) => q.close()));
      await senders.close();
      await Promise.all([connection, relayConnection].map((c) => closeRedis(c)));
    },
  };
}

function mapValues<K extends string, V, R>(record: Record<K, V>, fn: (value: V) => R): Record<V & string, R> {
  return Object.fromEntries(Object.values<V>(record).map((v) => [v, fn(v)])) as Record<V & string, R>;
}
