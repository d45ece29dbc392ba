import type { TicketSweeps } from './contracts';
import type { Database } from './db/database';
import { enqueue } from './events';
import { appendEvent } from './ticket-events';

export interface TicketSweepOptions {
  ratingWindowDays?: number;
  ratingReminderHours?: number;
  now?: () => Date;
  /** Rows claimed per transaction; a sweep loops until nothing is due. */
  batchSize?: number;
}

const HOUR_MS = 60 * 60 * 1000;

/**
 * Time-driven ticket work. Each sweep claims due rows with a conditional update
 * (`for update skip locked` + the same condition re-checked by the update), and writes its outbox
 * events in that transaction: however many workers run it at once, each ticket is handled once.
 */
export class DbTicketSweeps implements TicketSweeps {
  private readonly windowDays: number;
  private readonly reminderHours: number;
  private readonly now: () => Date;
  private readonly batch: number;

  constructor(
    private readonly db: Database,
    options: TicketSweepOptions = {},
  ) {
    this.windowDays = options.ratingWindowDays ?? 7;
    this.reminderHours = options.ratingReminderHours ?? 24;
    this.now = options.now ?? (() => new Date());
    this.batch = options.batchSize ?? 500;
  }

  /** F7: a resolved ticket closes by itself once the rating window has passed. */
  async autoClose(now: Date = this.now()): Promise<number> {
    const cutoff = new Date(now.getTime() - this.windowDays * 24 * HOUR_MS);
    return this.loop(async () =>
      this.db.transaction(async (tx) => {
        const { rows } = await tx.query<{ id: string }>(
          `update tickets t set status = 'closed', closed_at = $2, updated_at = $2
            where t.id in (select id from tickets
                            where status = 'resolved' and resolved_at <= $1
                            order by resolved_at limit $3 for update skip locked)
              and t.status = 'resolved' and t.resolved_at <= $1
           returning t.id`,
          [cutoff, now, this.batch],
        );
        for (const { id } of rows) {
          const eventId = await appendEvent(
            tx,
            id,
            'closed',
            { type: 'system' },
            { reason: 'rating_window' },
            now,
          );
          await enqueue(tx, { topic: 'ticket.changed', ticketId: id, eventId, change: 'closed' });
        }
        return rows.length;
      }),
    );
  }

  /** F9: one reminder per resolved, unrated ticket, some hours after resolution. */
  async ratingReminders(now: Date = this.now()): Promise<number> {
    const due = new Date(now.getTime() - this.reminderHours * HOUR_MS);
    return this.loop(async () =>
      this.db.transaction(async (tx) => {
        // Resolved tickets are unrated by construction: a rating closes the ticket at once.
        const { rows } = await tx.query<{ id: string }>(
          `update tickets t set rating_reminded_at = $2
            where t.id in (select id from tickets
                            where status = 'resolved' and resolved_at <= $1 and rating_reminded_at is null
                            order by resolved_at limit $3 for update skip locked)
              and t.status = 'resolved' and t.rating_reminded_at is null
           returning t.id`,
          [due, now, this.batch],
        );
        for (const { id } of rows) await enqueue(tx, { topic: 'ticket.rating_reminder', ticketId: id });
        return rows.length;
      }),
    );
  }

  /**
   * F8/F9: a waiting ticket that moved up to position 10, 5 or 1 hears it once per milestone.
   * Only the first ten of each queue can be due, read from the waiting-queue index per queue.
   * tickets.last_milestone holds the smallest milestone announced; the update re-checks it, so a
   * concurrent sweep that lost the race announces nothing.
   */
  async queueMilestones(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string; position: number }>(
        `with recursive queues(queue) as (
           (select queue from tickets where status = 'waiting' order by queue limit 1)
           union all
           select (select t.queue from tickets t where t.status = 'waiting' and t.queue > q.queue
                    order by t.queue limit 1)
             from queues q where q.queue is not null
         ), heads as (
           select h.id, h.position,
                  case when h.position <= 1 then 1 when h.position <= 5 then 5 else 10 end as milestone
             from queues q
             cross join lateral (
               select w.id, row_number() over (order by w.queue_rank, w.submitted_at, w.id) as position
                 from (select id, queue_rank, submitted_at from tickets
                        where status = 'waiting' and queue = q.queue
                        order by queue_rank, submitted_at, id limit 10) w
             ) h
            where q.queue is not null
         )
         update tickets t set last_milestone = h.milestone
           from heads h
          where t.id = h.id and t.status = 'waiting'
            and (t.last_milestone is null or t.last_milestone > h.milestone)
         returning t.id, h.position`,
      );
      for (const row of rows) {
        await enqueue(tx, { topic: 'ticket.queue_milestone', ticketId: row.id, position: row.position });
      }
      return rows.length;
    });
  }

  private async loop(step: () => Promise<number>): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await step();
      total += n;
      if (n < this.batch) return total;
    }
  }
}
