import type {
  Attachment,
  CustomerActor,
  DraftFields,
  Figure,
  ListQuery,
  Page,
  QueuePosition,
  TicketDetails,
  TicketService,
  TicketStatus,
  TicketSummary,
} from './contracts';
import type { Database, Queryable } from './db/database';
import { DomainError, forbidden, invalidInput, invalidState } from './errors';
import { enqueue } from './events';
import { type Access, loadVisible, resolveViewer, type Viewer } from './ticket-access';
import { loadDetails, withinRatingWindow } from './ticket-details';
import { appendEvent } from './ticket-events';
import { figures, listTickets } from './ticket-lists';
import { milestoneFor, queuePositionOf } from './ticket-queue';
import { isUuid, PRIORITY_RANK, type TicketRow } from './ticket-rows';
import { COMMENT_MAX, checkFields, checkSubmittable, SUPPLEMENT_MAX } from './ticket-validation';

/**
 * The key of the chat flow behind a draft (a random id the flow keeps in its state): a turn replayed
 * after a crash finds the draft it created and the ticket it submitted, instead of doing it twice.
 */
export interface ClientKeyOption {
  clientKey?: string;
}

const CLIENT_KEY = /^[\w-]{8,64}$/;

function checkClientKey(key: string | undefined): string | null {
  if (key === undefined) return null;
  if (typeof key !== 'string' || !CLIENT_KEY.test(key))
    throw invalidInput('clientKey', 'invalid_client_key', 'not a client key');
  return key;
}

export interface TicketServiceOptions {
  /** The configured categories (TICKET_CATEGORIES); a ticket's category is also its queue. */
  categories: readonly string[];
  ratingWindowDays?: number;
  /** Day boundaries for ticket numbers and "this month". */
  timeZone?: string;
  now?: () => Date;
}

const OPEN: readonly TicketStatus[] = ['waiting', 'in_progress', 'resolved'];

const wrongState = (code: string, row: TicketRow) =>
  invalidState(code, `not allowed while the ticket is ${row.status}`, { status: row.status });

/** The customer side of tickets (F5-F8, F10): every call acts as one identity and sees only its scope. */
export class DbTicketService implements TicketService {
  private readonly categories: readonly string[];
  private readonly windowDays: number;
  private readonly timeZone: string;
  private readonly now: () => Date;
  private readonly dayFormat: Intl.DateTimeFormat;

  constructor(
    private readonly db: Database,
    options: TicketServiceOptions,
  ) {
    this.categories = options.categories;
    this.windowDays = options.ratingWindowDays ?? 7;
    this.timeZone = options.timeZone ?? 'Asia/Shanghai';
    this.now = options.now ?? (() => new Date());
    this.dayFormat = new Intl.DateTimeFormat('en-CA', {
      timeZone: this.timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
  }

  async createDraft(
    actor: CustomerActor,
    fields: DraftFields,
    options: ClientKeyOption = {},
  ): Promise<TicketDetails> {
    const viewer = await resolveViewer(this.db, actor);
    const f = checkFields(fields, this.categories);
    const key = checkClientKey(options.clientKey);
    const now = this.now();
    const id = await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ id: string }>(
        `insert into tickets (account_id, identity_id, organization_id, title, description, category, priority,
                              reply_channel, status, client_key, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, 'draft', $9, $10, $10)
         on conflict (identity_id, client_key) where client_key is not null do nothing
         returning id`,
        [
          viewer.accountId,
          viewer.identityId,
          viewer.organizationId,
          f.title ?? '',
          f.description ?? '',
          f.category ?? null,
          f.priority ?? null,
          f.replyChannel ? JSON.stringify(f.replyChannel) : null,
          key,
          now,
        ],
      );
      if (!rows[0]) {
        // This flow filed its draft already (the turn is a replay after a crash): the same ticket.
        const { rows: existing } = await tx.query<{ id: string }>(
          'select id from tickets where identity_id = $1 and client_key = $2',
          [viewer.identityId, key],
        );
        return existing[0]!.id;
      }
      const ticketId = rows[0].id;
      await appendEvent(tx, ticketId, 'created', { type: 'customer', id: viewer.identityId }, {}, now);
      return ticketId;
    });
    return this.details(viewer, id);
  }

  async updateDraft(
    actor: CustomerActor,
    ticketId: string,
    fields: DraftFields,
    options: ClientKeyOption = {},
  ): Promise<TicketDetails> {
    const viewer = await resolveViewer(this.db, actor);
    const f = checkFields(fields, this.categories);
    const key = checkClientKey(options.clientKey);
    await this.db.transaction(async (tx) => {
      const found = await this.ownDraftOrReplay(tx, viewer, ticketId, key);
      if (found === 'replay') return;
      const row = found;
      const sets: string[] = [];
      const params: unknown[] = [row.id, this.now()];
      const set = (column: string, value: unknown, cast = '') => {
        params.push(value);
        sets.push(`${column} = $${params.length}${cast}`);
      };
      if (f.title !== undefined) set('title', f.title);
      if (f.description !== undefined) set('description', f.description);
      if (f.category !== undefined) set('category', f.category);
      if (f.priority !== undefined) set('priority', f.priority);
      if (f.replyChannel !== undefined) set('reply_channel', JSON.stringify(f.replyChannel), '::jsonb');
      // The flow now editing the draft owns it: its key finds the ticket again on a replayed turn.
      if (key) set('client_key', key);
      await tx.query(`update tickets set ${[...sets, 'updated_at = $2'].join(', ')} where id = $1`, params);
    });
    return this.details(viewer, ticketId);
  }

  async deleteDraft(actor: CustomerActor, ticketId: string): Promise<void> {
    const viewer = await resolveViewer(this.db, actor);
    await this.db.transaction(async (tx) => {
      const row = await this.draftForUpdate(tx, viewer, ticketId);
      await tx.query('delete from tickets where id = $1', [row.id]);
    });
  }

  async submit(
    actor: CustomerActor,
    ticketId: string,
    options: ClientKeyOption = {},
  ): Promise<{ ticket: TicketDetails; position: QueuePosition | null }> {
    const viewer = await resolveViewer(this.db, actor);
    const key = checkClientKey(options.clientKey);
    const position = await this.db.transaction(async (tx) => {
      const found = await this.ownDraftOrReplay(tx, viewer, ticketId, key);
      // Submitted already by this very flow (a replayed turn): the same answer, nothing happens twice.
      if (found === 'replay')
        return (await queuePositionOf(tx, (await loadVisible(tx, viewer, ticketId)).row.id)) ?? null;
      const row = found;
      await checkSubmittable(tx, row, this.categories);
      const now = this.now();
      const number = await this.nextNumber(tx, now);
      await tx.query(
        `update tickets set status = 'waiting', number = $2, queue = category, queue_rank = $3,
                submitted_at = $4, updated_at = $4
          where id = $1`,
        [row.id, number, PRIORITY_RANK[row.priority!], now],
      );
      await appendEvent(
        tx,
        row.id,
        'submitted',
        { type: 'customer', id: viewer.identityId },
        { number },
        now,
      );
      await enqueue(tx, { topic: 'staff.ticket_waiting', ticketId: row.id });
      const pos = (await queuePositionOf(tx, row.id))!;
      // The customer hears the position now; milestones announce only later progress (sweeps).
      await tx.query('update tickets set last_milestone = $2 where id = $1', [
        row.id,
        milestoneFor(pos.position),
      ]);
      return pos;
    });
    return { ticket: await this.details(viewer, ticketId), position };
  }

  async addAttachment(
    actor: CustomerActor,
    ticketId: string,
    file: Omit<Attachment, 'id'>,
  ): Promise<Attachment> {
    const viewer = await resolveViewer(this.db, actor);
    if (typeof file.name !== 'string' || file.name.trim() === '' || file.name.length > 255) {
      throw invalidInput('name', 'invalid_attachment_name', 'attachment name is not valid');
    }
    if (typeof file.contentType !== 'string' || file.contentType.trim() === '') {
      throw invalidInput('contentType', 'invalid_content_type', 'content type is missing');
    }
    if (!Number.isInteger(file.size) || file.size < 0)
      throw invalidInput('size', 'invalid_size', 'size is not valid');
    if (typeof file.url !== 'string' || file.url.trim() === '')
      throw invalidInput('url', 'invalid_url', 'url is missing');
    return this.db.transaction(async (tx) => {
      const { row } = await loadVisible(tx, viewer, ticketId, { forUpdate: true });
      if (row.status !== 'draft' && !OPEN.includes(row.status)) throw wrongState('ticket_closed', row);
      // The same file twice on one ticket is the same attachment (a message handled again after a crash).
      const { rows: existing } = await tx.query<Attachment>(
        `select id, name, content_type as "contentType", size, url from ticket_attachments
          where ticket_id = $1 and url = $2`,
        [row.id, file.url],
      );
      if (existing[0]) return existing[0];
      const now = this.now();
      const { rows } = await tx.query<Attachment>(
        `insert into ticket_attachments (ticket_id, name, content_type, size, url, created_at)
         values ($1, $2, $3, $4, $5, $6) returning id, name, content_type as "contentType", size, url`,
        [row.id, file.name.trim(), file.contentType.trim(), file.size, file.url, now],
      );
      const attachment = rows[0]!;
      if (row.status !== 'draft') {
        await appendEvent(
          tx,
          row.id,
          'attachment_added',
          { type: 'customer', id: viewer.identityId },
          { attachmentId: attachment.id, name: attachment.name },
          now,
        );
      }
      await tx.query('update tickets set updated_at = $2 where id = $1', [row.id, now]);
      return attachment;
    });
  }

  async list(actor: CustomerActor, query: ListQuery): Promise<Page<TicketSummary>> {
    return listTickets(this.db, await resolveViewer(this.db, actor), query);
  }

  async get(actor: CustomerActor, ticketIdOrNumber: string): Promise<TicketDetails> {
    return this.details(await resolveViewer(this.db, actor), ticketIdOrNumber);
  }

  async cancel(actor: CustomerActor, ticketId: string): Promise<TicketDetails> {
    return this.change(actor, ticketId, async (tx, row, access, viewer, now) => {
      if (!access.manager) throw forbidden('not_ticket_owner');
      if (row.status !== 'waiting') throw wrongState('ticket_not_waiting', row);
      await tx.query(
        `update tickets set status = 'cancelled', closed_at = $2, updated_at = $2 where id = $1`,
        [row.id, now],
      );
      const eventId = await appendEvent(
        tx,
        row.id,
        'cancelled',
        { type: 'customer', id: viewer.identityId },
        {},
        now,
      );
      await enqueue(tx, { topic: 'ticket.changed', ticketId: row.id, eventId, change: 'cancelled' });
    });
  }

  async addSupplement(
    actor: CustomerActor,
    ticketId: string,
    text: string,
    options: ClientKeyOption = {},
  ): Promise<TicketDetails> {
    const body = typeof text === 'string' ? text.trim() : '';
    if (body === '') throw invalidInput('text', 'supplement_required', 'supplement is empty');
    if ([...body].length > SUPPLEMENT_MAX)
      throw invalidInput('text', 'supplement_too_long', 'supplement is too long');
    const key = checkClientKey(options.clientKey);
    return this.change(actor, ticketId, async (tx, row, _access, viewer, now) => {
      if (!OPEN.includes(row.status)) throw wrongState('ticket_not_open', row);
      if (key) {
        // The message that carried it was handled before (a replayed turn): it is added once.
        const { rows } = await tx.query(
          `select 1 from ticket_events where ticket_id = $1 and kind = 'supplement' and data->>'clientKey' = $2`,
          [row.id, key],
        );
        if (rows.length > 0) return;
      }
      await tx.query('update tickets set updated_at = $2 where id = $1', [row.id, now]);
      // No push to the customer for their own supplement; the staff member handling it is told.
      const eventId = await appendEvent(
        tx,
        row.id,
        'supplement',
        { type: 'customer', id: viewer.identityId },
        key ? { text: body, clientKey: key } : { text: body },
        now,
      );
      if (row.accepted_by)
        await enqueue(tx, { topic: 'staff.ticket_supplemented', ticketId: row.id, eventId });
    });
  }

  async reopen(actor: CustomerActor, ticketId: string, reason?: string): Promise<TicketDetails> {
    const why = reason?.trim() || null;
    if (why && [...why].length > SUPPLEMENT_MAX)
      throw invalidInput('reason', 'reason_too_long', 'reason is too long');
    return this.change(actor, ticketId, async (tx, row, access, viewer, now) => {
      if (!access.manager) throw forbidden('not_ticket_owner');
      if (row.status !== 'resolved') throw wrongState('ticket_not_resolved', row);
      if (!withinRatingWindow(row, now, this.windowDays)) throw wrongState('rating_window_passed', row);
      await tx.query(
        `update tickets set status = 'in_progress', resolved_at = null, resolution = null,
                rating_reminded_at = null, updated_at = $2 where id = $1`,
        [row.id, now],
      );
      const eventId = await appendEvent(
        tx,
        row.id,
        'reopened',
        { type: 'customer', id: viewer.identityId },
        { reason: why },
        now,
      );
      await enqueue(tx, { topic: 'ticket.changed', ticketId: row.id, eventId, change: 'reopened' });
    });
  }

  async share(actor: CustomerActor, ticketId: string, identityId: string): Promise<void> {
    await this.change(actor, ticketId, async (tx, row, _access, viewer, now) => {
      if (!OPEN.includes(row.status)) throw wrongState('ticket_not_open', row);
      const badTarget = () =>
        invalidInput('identityId', 'invalid_share_target', 'not a colleague of this organization');
      if (typeof identityId !== 'string' || !isUuid(identityId)) throw badTarget();
      const { rows } = await tx.query<{ display_name: string }>(
        `select display_name from identities
          where id = $1 and organization_id = $2 and unbound_at is null`,
        [identityId, row.organization_id],
      );
      const target = rows[0];
      if (!target || identityId === row.identity_id || identityId === viewer.identityId) throw badTarget();
      const inserted = await tx.query(
        `insert into ticket_shares (ticket_id, identity_id, shared_by, created_at) values ($1, $2, $3, $4)
         on conflict do nothing`,
        [row.id, identityId, viewer.identityId, now],
      );
      if (inserted.rowCount === 0) return; // already shared: nothing changes
      const eventId = await appendEvent(
        tx,
        row.id,
        'shared',
        { type: 'customer', id: viewer.identityId },
        { identityId, displayName: target.display_name },
        now,
      );
      await enqueue(tx, { topic: 'ticket.shared', ticketId: row.id, identityId, eventId });
    });
  }

  async queuePosition(actor: CustomerActor, ticketId: string): Promise<QueuePosition> {
    const viewer = await resolveViewer(this.db, actor);
    const { row } = await loadVisible(this.db, viewer, ticketId);
    const position = await queuePositionOf(this.db, row.id);
    if (!position) {
      // Accepted (or cancelled) in the meantime: report the status it has now.
      const { rows } = await this.db.query<{ status: TicketStatus }>(
        'select status from tickets where id = $1',
        [row.id],
      );
      throw invalidState('ticket_not_waiting', 'the ticket is not waiting', {
        status: rows[0]?.status ?? row.status,
      });
    }
    return position;
  }

  async figures(actor: CustomerActor): Promise<Figure[]> {
    return figures(this.db, await resolveViewer(this.db, actor), this.now(), this.timeZone);
  }

  async rate(
    actor: CustomerActor,
    ticketId: string,
    stars: number,
    comment?: string,
  ): Promise<TicketDetails> {
    if (!Number.isInteger(stars) || stars < 1 || stars > 5)
      throw invalidInput('stars', 'invalid_stars', '1 to 5 stars');
    const text = comment?.trim() || null;
    if (text && [...text].length > COMMENT_MAX)
      throw invalidInput('comment', 'comment_too_long', 'comment is too long');
    return this.change(actor, ticketId, async (tx, row, access, viewer, now) => {
      if (!access.manager) throw forbidden('not_ticket_owner');
      const rated = await tx.query('select 1 from ticket_ratings where ticket_id = $1', [row.id]);
      if (rated.rows.length > 0) {
        throw new DomainError('conflict', 'already_rated', 'the ticket is already rated', {
          status: row.status,
        });
      }
      if (row.status !== 'resolved') throw wrongState('ticket_not_resolved', row);
      if (!withinRatingWindow(row, now, this.windowDays)) throw wrongState('rating_window_passed', row);
      await tx.query(
        `insert into ticket_ratings (ticket_id, identity_id, stars, comment, created_at) values ($1, $2, $3, $4, $5)`,
        [row.id, viewer.identityId, stars, text, now],
      );
      // F7: a rating closes the ticket.
      await tx.query(`update tickets set status = 'closed', closed_at = $2, updated_at = $2 where id = $1`, [
        row.id,
        now,
      ]);
      await appendEvent(
        tx,
        row.id,
        'rated',
        { type: 'customer', id: viewer.identityId },
        { stars, comment: text },
        now,
      );
      await enqueue(tx, { topic: 'staff.rating_received', ticketId: row.id, stars, low: stars <= 2 });
    });
  }

  // ------------------------------------------------------------------------------------------ helpers

  /** Runs a change on the ticket row locked for update, then returns the fresh details. */
  private async change(
    actor: CustomerActor,
    ticketId: string,
    work: (tx: Queryable, row: TicketRow, access: Access, viewer: Viewer, now: Date) => Promise<void>,
  ): Promise<TicketDetails> {
    const viewer = await resolveViewer(this.db, actor);
    const id = await this.db.transaction(async (tx) => {
      const { row, access } = await loadVisible(tx, viewer, ticketId, { forUpdate: true });
      await work(tx, row, access, viewer, this.now());
      return row.id;
    });
    return this.details(viewer, id);
  }

  private async draftForUpdate(tx: Queryable, viewer: Viewer, ticketId: string): Promise<TicketRow> {
    const { row, access } = await loadVisible(tx, viewer, ticketId, { forUpdate: true });
    if (!access.owner) throw forbidden('not_ticket_owner');
    if (row.status !== 'draft') throw wrongState('ticket_not_draft', row);
    return row;
  }

  /** The own draft, locked; or 'replay' when it is no draft any more because this flow (`key`) filed it. */
  private async ownDraftOrReplay(
    tx: Queryable,
    viewer: Viewer,
    ticketId: string,
    key: string | null,
  ): Promise<TicketRow | 'replay'> {
    const { row, access } = await loadVisible(tx, viewer, ticketId, { forUpdate: true });
    if (!access.owner) throw forbidden('not_ticket_owner');
    if (row.status !== 'draft') {
      if (key && row.client_key === key) return 'replay';
      throw wrongState('ticket_not_draft', row);
    }
    return row;
  }

  private async details(viewer: Viewer, ticketIdOrNumber: string): Promise<TicketDetails> {
    const { row, access } = await loadVisible(this.db, viewer, ticketIdOrNumber);
    return loadDetails(this.db, row, access, this.now(), this.windowDays);
  }

  /** T<yyyymmdd>-<0001..>: a per-day counter row, bumped atomically, so concurrent submits never collide. */
  private async nextNumber(tx: Queryable, now: Date): Promise<string> {
    const day = this.dayFormat.format(now).replaceAll('-', '');
    const { rows } = await tx.query<{ last: number }>(
      `insert into ticket_number_counters (day, last) values ($1, 1)
       on conflict (day) do update set last = ticket_number_counters.last + 1
       returning last`,
      [day],
    );
    return `T${day}-${String(rows[0]!.last).padStart(4, '0')}`;
  }
}
