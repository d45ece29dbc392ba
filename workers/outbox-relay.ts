import type { Queue } from 'bullmq';
import type { Logger } from '../platform/logger';
import type { Database } from '../services/db/database';
import type { OutboxTopic } from '../services/events';
import { type EventJobData, type EventQueue, eventJobId, TOPIC_QUEUE } from './queues';

export interface OutboxRelayOptions {
  db: Database;
  queues: Record<EventQueue, Queue<EventJobData>>;
  jobOptions: (jobId: string) => Parameters<Queue['add']>[2];
  logger: Logger;
  pollMs: number;
  batch: number;
  /** How long a claimed row is ours; after that another relay may take it (we crashed). */
  leaseMs?: number;
  /**
   * A row relayed this long ago and still not processed is handed to the queue again: a no-op while
   * its job exists (same job id), a new job if Redis lost it (restarted without persistence).
   */
  redispatchMs?: number;
  /** A Redis call that takes longer counts as failed: the rows are released and retried. */
  redisTimeoutMs?: number;
  now?: () => Date;
}

interface ClaimedRow {
  id: number;
  topic: OutboxTopic;
  created_at: Date;
}

/**
 * Moves outbox rows to the BullMQ queues. Each pass claims a batch with a short lease
 * (`for update skip locked` in one short transaction, so several relays take disjoint rows and no lock
 * is held while Redis is called), adds one job per row with job id `outbox-<id>` (a second add of the
 * same row is a no-op in BullMQ), then marks the rows dispatched. If Redis is down, the lease is
 * released and the rows wait in the database; the relay backs off and tries again until it is back.
 * A crash between "added" and "marked" only re-adds the same job ids later: nothing is sent twice
 * (the job id, and the deliveries table behind it).
 * The database stays the record until a row is processed (its job delivered it): a row relayed but not
 * processed after `redispatchMs` is added again, so jobs lost with a Redis that restarted empty are
 * made again instead of lost.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private failures = 0;
  private wakeRequested = false;
  private readonly leaseMs: number;
  private readonly redispatchMs: number;
  private readonly redisTimeoutMs: number;
  private readonly now: () => Date;

  constructor(private readonly options: OutboxRelayOptions) {
    this.leaseMs = options.leaseMs ?? 30_000;
    this.redispatchMs = options.redispatchMs ?? 60_000;
    this.redisTimeoutMs = options.redisTimeoutMs ?? 5_000;
    this.now = options.now ?? (() => new Date());
  }

  start(): void {
    this.schedule(0);
  }

  /** Runs a pass soon (e.g. on a NOTIFY); passes never overlap. */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.wakeRequested = true;
      return;
    }
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass: claims and dispatches batches until none is full. Returns how many rows went out. */
  async runOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const rows = await this.claim();
      if (rows.length === 0) return total;
      await this.dispatch(rows);
      total += rows.length;
      if (rows.length < this.options.batch || this.stopped) return total;
    }
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
  }

  private async pass(): Promise<void> {
    let next = this.options.pollMs;
    try {
      await this.runOnce();
      this.failures = 0;
    } catch (error) {
      this.failures += 1;
      // Redis or the database is away: wait longer each time (up to 5 s), the rows are safe in the outbox.
      next = Math.min(this.options.pollMs * 2 ** this.failures, 5000);
      if (this.failures === 1 || this.failures % 20 === 0) {
        this.options.logger.warn(
          { err: error, failures: this.failures },
          'outbox relay: dispatch failed, will retry',
        );
      }
    }
    if (this.wakeRequested && this.failures === 0) {
      this.wakeRequested = false;
      next = 0;
    }
    this.schedule(next);
  }

  private async claim(): Promise<ClaimedRow[]> {
    const now = this.now();
    const { rows } = await this.options.db.query<ClaimedRow>(
      `update outbox o set lease_until = $2
        where o.id in (select id from outbox
                        where processed_at is null
                          and (dispatched_at is null or dispatched_at < $4)
                          and (lease_until is null or lease_until < $1)
                        order by id limit $3 for update skip locked)
          and o.processed_at is null
       returning o.id, o.topic, o.created_at`,
      [
        now,
        new Date(now.getTime() + this.leaseMs),
        this.options.batch,
        new Date(now.getTime() - this.redispatchMs),
      ],
    );
    return rows.sort((a, b) => a.id - b.id);
  }

  private async dispatch(rows: ClaimedRow[]): Promise<void> {
    const byQueue = new Map<EventQueue, ClaimedRow[]>();
    for (const row of rows) {
      const queue = TOPIC_QUEUE[row.topic];
      if (!queue) {
        // A topic this version does not know: leave it for a newer worker, loudly.
        this.options.logger.error({ outboxId: row.id, topic: row.topic }, 'outbox relay: unknown topic');
        continue;
      }
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), row]);
    }
    try {
      await withTimeout(
        Promise.all(
          [...byQueue].map(([name, list]) =>
            this.options.queues[name].addBulk(
              list.map((row) => ({
                name: row.topic,
                data: { outboxId: row.id, topic: row.topic, createdAt: row.created_at.getTime() },
                opts: this.options.jobOptions(eventJobId(row.id)),
              })),
            ),
          ),
        ),
        this.redisTimeoutMs,
      );
    } catch (error) {
      // Give the rows back at once, so this or another relay retries them as soon as Redis answers.
      await this.options.db
        .query('update outbox set lease_until = null where id = any($1::bigint[])', [rows.map((r) => r.id)])
        .catch(() => undefined);
      throw error;
    }
    const sent = [...byQueue.values()].flat().map((r) => r.id);
    await this.options.db.query(
      'update outbox set dispatched_at = $2, lease_until = null where id = any($1::bigint[])',
      [sent, this.now()],
    );
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Redis did not answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}
