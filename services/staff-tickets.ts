import type {
  Page,
  QueueEntry,
  RatingEntry,
  StaffActor,
  StaffTicketService,
  TicketDetails,
  TicketStatus,
  TicketSummary,
} from './contracts';
import type { Database, Queryable } from './db/database';
import { invalidInput, invalidState, notFound } from './errors';
import { enqueue, type OutboxEvent } from './events';
import { loadDetails } from './ticket-details';
import { appendEvent } from './ticket-events';
import { queuePage } from './ticket-queue';
import {
  createdCursorSql,
  decodeCursor,
  encodeCursor,
  isUuid,
  pageLimit,
  SUMMARY_COLUMNS,
  type SummaryRow,
  statusList,
  TICKET_COLUMNS,
  type TicketRow,
  toPage,
} from './ticket-rows';

export interface StaffTicketServiceOptions {
  ratingWindowDays?: number;
  now?: () => Date;
}

type Change = Extract<OutboxEvent, { topic: 'ticket.changed' }>['change'];

/** What a transition's column assignments may refer to; `p` turns a value into a bound parameter. */
type SetSql = (
  p: (value: unknown) => string,
  v: { now: Date; staffId: string; text: string | null },
) => string;

/**
 * A staff transition: the statuses it starts from, the columns it sets, the timeline kind and the
 * customer-facing change it announces.
 */
interface Transition {
  from: readonly TicketStatus[];
  set: SetSql;
  kind: string;
  change: Change;
  code: string;
}

const TRANSITIONS = {
  accept: {
    from: ['waiting'],
    set: (p, v) => `status = 'in_progress', accepted_at = ${p(v.now)}, accepted_by = ${p(v.staffId)}`,
    kind: 'accepted',
    change: 'accepted',
    code: 'ticket_not_waiting',
  },
  reply: {
    from: ['in_progress'],
    set: () => '',
    kind: 'staff_reply',
    change: 'replied',
    code: 'ticket_not_in_progress',
  },
  resolve: {
    from: ['in_progress'],
    set: (p, v) =>
      `status = 'resolved', resolved_at = ${p(v.now)}, resolution = ${p(v.text)}, rating_reminded_at = null`,
    kind: 'resolved',
    change: 'resolved',
    code: 'ticket_not_in_progress',
  },
  close: {
    from: ['waiting', 'in_progress', 'resolved'],
    set: (p, v) => `status = 'closed', closed_at = ${p(v.now)}`,
    kind: 'closed',
    change: 'closed',
    code: 'ticket_not_open',
  },
  reopen: {
    from: ['resolved', 'closed'],
    set: () =>
      `status = 'in_progress', resolved_at = null, resolution = null, closed_at = null, rating_reminded_at = null`,
    kind: 'reopened',
    change: 'reopened',
    code: 'ticket_not_resolved',
  },
} satisfies Record<string, Transition>;

const TEXT_MAX = 5000;

/** The staff side (S1): queue, lists and transitions. Drafts stay private to their author. */
export class DbStaffTicketService implements StaffTicketService {
  private readonly windowDays: number;
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: StaffTicketServiceOptions = {},
  ) {
    this.windowDays = options.ratingWindowDays ?? 7;
    this.now = options.now ?? (() => new Date());
  }

  async queue(
    queue: string | undefined,
    page: { cursor?: string; limit?: number },
  ): Promise<Page<QueueEntry>> {
    return queuePage(this.db, queue, page.cursor, pageLimit(page.limit, 20));
  }

  async get(ticketIdOrNumber: string): Promise<TicketDetails> {
    const row = await this.load(this.db, ticketIdOrNumber);
    return loadDetails(this.db, row, 'staff', this.now(), this.windowDays);
  }

  async list(filter: {
    organizationId?: string;
    status?: TicketStatus;
    cursor?: string;
    limit?: number;
  }): Promise<Page<TicketSummary>> {
    const limit = pageLimit(filter.limit, 20);
    const params: unknown[] = [];
    let where = `t.status <> 'draft'`;
    if (filter.organizationId !== undefined) {
      if (!isUuid(filter.organizationId)) return { items: [], nextCursor: null };
      params.push(filter.organizationId);
      where += ` and t.organization_id = $${params.length}`;
    }
    const statuses = statusList(filter.status);
    if (statuses) {
      params.push(statuses);
      where += ` and t.status = any($${params.length}::text[])`;
    }
    where += createdCursorSql(filter.cursor, params);
    params.push(limit + 1);
    const { rows } = await this.db.query<SummaryRow>(
      `select ${SUMMARY_COLUMNS} from tickets t where ${where}
        order by t.created_at desc, t.id desc limit $${params.length}`,
      params,
    );
    return toPage(rows, limit);
  }

  async accept(staff: StaffActor, ticketId: string): Promise<TicketDetails> {
    return this.transition(staff, ticketId, TRANSITIONS.accept, null);
  }

  async reply(staff: StaffActor, ticketId: string, text: string): Promise<TicketDetails> {
    return this.transition(staff, ticketId, TRANSITIONS.reply, requiredText('text', text));
  }

  async resolve(staff: StaffActor, ticketId: string, resolution: string): Promise<TicketDetails> {
    return this.transition(staff, ticketId, TRANSITIONS.resolve, requiredText('resolution', resolution));
  }

  async close(staff: StaffActor, ticketId: string): Promise<TicketDetails> {
    return this.transition(staff, ticketId, TRANSITIONS.close, null);
  }

  async reopen(staff: StaffActor, ticketId: string, reason?: string): Promise<TicketDetails> {
    return this.transition(
      staff,
      ticketId,
      TRANSITIONS.reopen,
      reason?.trim() ? requiredText('reason', reason) : null,
    );
  }

  async ratings(page: { lowFirst?: boolean; cursor?: string; limit?: number }): Promise<Page<RatingEntry>> {
    const limit = pageLimit(page.limit, 20);
    const params: unknown[] = [];
    let where = 'true';
    // Low first: by stars ascending, then newest; otherwise newest first. Keyset on the same key.
    const order = page.lowFirst
      ? 'r.stars asc, r.created_at desc, r.ticket_id desc'
      : 'r.created_at desc, r.ticket_id desc';
    if (page.cursor) {
      const key = decodeCursor(page.cursor, 3);
      const [stars, at, id] = key;
      if (typeof stars !== 'number' || typeof at !== 'string' || typeof id !== 'string' || !isUuid(id)) {
        throw invalidInput('cursor', 'invalid_cursor', 'cursor is not valid');
      }
      params.push(at, id);
      const after = `(r.created_at, r.ticket_id) < ($1::timestamptz, $2::uuid)`;
      if (page.lowFirst) {
        params.push(stars);
        where = `(r.stars > $3 or (r.stars = $3 and ${after}))`;
      } else {
        where = after;
      }
    }
    params.push(limit + 1);
    const { rows } = await this.db.query<{
      ticket_id: string;
      number: string;
      title: string;
      stars: number;
      comment: string | null;
      accepted_by: string | null;
      created_at: Date;
      sort_at: string;
    }>(
      `select r.ticket_id, t.number, t.title, r.stars, r.comment, s.name as accepted_by, r.created_at,
              to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as sort_at
         from ticket_ratings r
         join tickets t on t.id = r.ticket_id
         left join staff s on s.id = t.accepted_by
        where ${where}
        order by ${order}
        limit $${params.length}`,
      params,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map((r) => ({
        ticketId: r.ticket_id,
        number: r.number,
        title: r.title,
        stars: r.stars,
        comment: r.comment,
        acceptedBy: r.accepted_by,
        createdAt: r.created_at,
      })),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.stars, last.sort_at, last.ticket_id]) : null,
    };
  }

  /**
   * Applies a transition with one conditional update (`where status = any(from)`): of two staff
   * members racing, exactly one wins; the other gets invalid_state with the status it lost to.
   */
  private async transition(
    staff: StaffActor,
    ticketId: string,
    t: Transition,
    text: string | null,
  ): Promise<TicketDetails> {
    const now = this.now();
    const id = await this.db.transaction(async (tx) => {
      const row = await this.load(tx, ticketId);
      const params: unknown[] = [row.id, t.from, now];
      const p = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const set = [t.set(p, { now, staffId: staff.staffId, text }), 'updated_at = $3']
        .filter(Boolean)
        .join(', ');
      const { rows } = await tx.query<{ id: string }>(
        `update tickets set ${set} where id = $1 and status = any($2::text[]) returning id`,
        params,
      );
      if (rows.length === 0) {
        const current = await tx.query<{ status: TicketStatus }>('select status from tickets where id = $1', [
          row.id,
        ]);
        const status = current.rows[0]?.status ?? row.status;
        throw invalidState(t.code, `cannot ${t.kind} a ticket that is ${status}`, { status });
      }
      const data =
        t.kind === 'staff_reply' ? { text } : t.kind === 'resolved' ? { resolution: text } : { reason: text };
      const eventId = await appendEvent(tx, row.id, t.kind, { type: 'staff', id: staff.staffId }, data, now);
      await enqueue(tx, { topic: 'ticket.changed', ticketId: row.id, eventId, change: t.change });
      return row.id;
    });
    return this.get(id);
  }

  private async load(db: Queryable, idOrNumber: string): Promise<TicketRow> {
    const byId = isUuid(idOrNumber);
    const { rows } = await db.query<TicketRow>(
      `select ${TICKET_COLUMNS} from tickets t where ${byId ? 't.id = $1::uuid' : 't.number = $1'} and t.status <> 'draft'`,
      [byId ? idOrNumber : idOrNumber.trim().toUpperCase()],
    );
    if (!rows[0]) throw notFound('ticket');
    return rows[0];
  }
}

function requiredText(field: string, value: string): string {
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') throw invalidInput(field, `${field}_required`, `${field} is empty`);
  if ([...text].length > TEXT_MAX) throw invalidInput(field, `${field}_too_long`, `${field} is too long`);
  return text;
}
