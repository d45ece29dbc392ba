import type { QueueEntry, QueuePosition } from './contracts';
import type { Queryable } from './db/database';
import { invalidInput } from './errors';
import {
  decodeCursor,
  encodeCursor,
  isUuid,
  SUMMARY_COLUMNS,
  type SummaryRow,
  toSummary,
} from './ticket-rows';

/**
 * F8: the waiting queue. Order within a queue: priority (queue_rank 0 = urgent), then submission
 * time, then id as a tie-breaker. Every query here runs on the partial index tickets_waiting_queue
 * (queue, queue_rank, submitted_at, id) where status = 'waiting', so it reads only waiting entries
 * of one queue, never the whole table.
 */

/** Position and queue length of a waiting ticket in one statement (one snapshot: always consistent). */
export async function queuePositionOf(db: Queryable, ticketId: string): Promise<QueuePosition | undefined> {
  const { rows } = await db.query<QueuePosition>(
    `select t.queue,
            (select count(*) from tickets w
              where w.status = 'waiting' and w.queue = t.queue
                and (w.queue_rank, w.submitted_at, w.id) < (t.queue_rank, t.submitted_at, t.id)) + 1 as position,
            (select count(*) from tickets w where w.status = 'waiting' and w.queue = t.queue) as waiting
       from tickets t
      where t.id = $1 and t.status = 'waiting'`,
    [ticketId],
  );
  return rows[0];
}

/** The milestone a position has reached (10, 5, 1 = next), or null when further back. */
export function milestoneFor(position: number): number | null {
  if (position <= 1) return 1;
  if (position <= 5) return 5;
  if (position <= 10) return 10;
  return null;
}

type QueueRow = SummaryRow & {
  queue: string;
  organization_id: string;
  submitted_at: Date;
  queue_rank: number;
  position: number;
  submitted_key: string;
};

/**
 * Staff view of one queue (or all, ordered by queue name first) with exact positions. The page is
 * read by keyset; each queue's first row on the page gets its position by one indexed count and the
 * rows after it by their rank within the page.
 */
export async function queuePage(
  db: Queryable,
  queue: string | undefined,
  cursor: string | undefined,
  limit: number,
): Promise<{ items: QueueEntry[]; nextCursor: string | null }> {
  const params: unknown[] = [];
  const where: string[] = [`t.status = 'waiting'`];
  if (queue !== undefined) {
    params.push(queue);
    where.push(`t.queue = $${params.length}`);
  }
  if (cursor) {
    const [q, rank, at, id] = decodeCursor(cursor, 4);
    if (
      typeof q !== 'string' ||
      typeof rank !== 'number' ||
      typeof at !== 'string' ||
      typeof id !== 'string' ||
      !isUuid(id)
    ) {
      throw invalidInput('cursor', 'invalid_cursor', 'cursor is not valid');
    }
    params.push(q, rank, at, id);
    const n = params.length;
    where.push(
      `(t.queue, t.queue_rank, t.submitted_at, t.id) > ($${n - 3}, $${n - 2}, $${n - 1}::timestamptz, $${n}::uuid)`,
    );
  }
  params.push(limit + 1);
  const { rows } = await db.query<QueueRow>(
    `with page as (
       select ${SUMMARY_COLUMNS}, t.queue, t.queue_rank, t.submitted_at, t.organization_id,
              to_char(t.submitted_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as submitted_key
         from tickets t
        where ${where.join(' and ')}
        order by t.queue, t.queue_rank, t.submitted_at, t.id
        limit $${params.length}
     ), firsts as (
       select distinct on (queue) queue, queue_rank, submitted_at, id from page
        order by queue, queue_rank, submitted_at, id
     ), bases as (
       select f.queue,
              (select count(*) from tickets w
                where w.status = 'waiting' and w.queue = f.queue
                  and (w.queue_rank, w.submitted_at, w.id) < (f.queue_rank, f.submitted_at, f.id)) as base
         from firsts f
     )
     select p.*, b.base + row_number() over (partition by p.queue order by p.queue_rank, p.submitted_at, p.id) as position
       from page p join bases b on b.queue = p.queue
      order by p.queue, p.queue_rank, p.submitted_at, p.id`,
    params,
  );
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return {
    items: items.map((r) => ({
      ...toSummary(r),
      position: r.position,
      queue: r.queue,
      organizationId: r.organization_id,
      submittedAt: r.submitted_at,
    })),
    nextCursor:
      rows.length > limit && last
        ? encodeCursor([last.queue, last.queue_rank, last.submitted_key, last.id])
        : null,
  };
}
