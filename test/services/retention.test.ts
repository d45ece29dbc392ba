import type { Queryable } from '../../services/db/database';
import { DbRetention, type RetentionCounts } from '../../services/retention';
import { DbStaffTicketService } from '../../services/staff-tickets';
import { DbTicketService } from '../../services/tickets';
import { describeEachDriver } from '../support/db';
import {
  CATEGORIES,
  createCustomer,
  createOrganization,
  createStaff,
  draftFields,
} from '../support/fixtures';

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2035, 5, 1, 12);
const ago = (ms: number) => new Date(NOW - ms);

const NOTHING: RetentionCounts = {
  verification_codes: 0,
  web_tokens: 0,
  inbound_seen: 0,
  idempotency_keys: 0,
  outbox: 0,
  deliveries: 0,
  web_chat_inbox: 0,
  idle_chat_users: 0,
  idle_chat_state: 0,
  uploads: 0,
};

const BUSINESS_TABLES = [
  'organizations',
  'accounts',
  'identities',
  'staff',
  'chat_bindings',
  'tickets',
  'ticket_events',
  'ticket_ratings',
  'bot_state',
];

async function count(db: Queryable, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await db.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

async function labels(db: Queryable, sql: string): Promise<string[]> {
  const { rows } = await db.query<{ label: string }>(sql);
  return rows.map((r) => r.label).sort();
}

async function businessCounts(db: Queryable): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of BUSINESS_TABLES)
    counts[table] = await count(db, `select count(*)::int as n from ${table}`);
  return counts;
}

async function code(db: Queryable, label: string, expiresAt: Date, consumed = false): Promise<void> {
  await db.query(
    `insert into verification_codes (purpose, target, code_hash, expires_at, consumed_at, created_at)
     values ('sign_in', $1, 'x', $2, $3, $4)`,
    [label, expiresAt, consumed ? expiresAt : null, new Date(expiresAt.getTime() - 10 * 60_000)],
  );
}

async function webToken(db: Queryable, label: string, expiresAt: Date, used = false): Promise<void> {
  await db.query(
    `insert into web_tokens (token_hash, purpose, channel, chat_user_id, expires_at, used_at, created_at)
     values ($1, 'sign_in', 'web', 'u', $2, $3, $4)`,
    [label, expiresAt, used ? expiresAt : null, new Date(expiresAt.getTime() - 10 * 60_000)],
  );
}

async function outbox(
  db: Queryable,
  label: string,
  createdAt: Date,
  dispatchedAt: Date | null,
): Promise<number> {
  const { rows } = await db.query<{ id: number }>(
    `insert into outbox (topic, payload, created_at, dispatched_at, processed_at)
     values ('ticket.changed', $1::jsonb, $2, $3, $3) returning id`,
    [JSON.stringify({ label }), createdAt, dispatchedAt],
  );
  return rows[0]!.id;
}

async function delivery(db: Queryable, key: string, at: Date): Promise<void> {
  await db.query('insert into deliveries (key, created_at) values ($1, $2)', [key, at]);
}

async function inbox(db: Queryable, label: string, createdAt: Date, deliveredAt: Date | null): Promise<void> {
  await db.query(
    'insert into web_chat_inbox (chat_user_id, activity, created_at, delivered_at) values ($1, $2::jsonb, $3, $4)',
    [label, JSON.stringify({ text: label }), createdAt, deliveredAt],
  );
}

describeEachDriver('retention of transient rows', (ctx) => {
  afterEach(async () => {
    await ctx.db.exec(
      `delete from verification_codes; delete from web_tokens; delete from inbound_seen;
       delete from idempotency_keys; delete from deliveries; delete from outbox; delete from web_chat_inbox;`,
    );
  });

  it('deletes rows past their window, keeps the rest, and never touches business records', async () => {
    const db = ctx.db;
    // Business records, all far older than any window.
    const longAgo = () => ago(400 * DAY);
    const tickets = new DbTicketService(db, { categories: CATEGORIES, now: longAgo });
    const staff = new DbStaffTicketService(db, { now: longAgo });
    const customer = await createCustomer(db, await createOrganization(db));
    const agent = await createStaff(db);
    const draft = await tickets.createDraft(customer.actor, draftFields(customer));
    const { ticket } = await tickets.submit(customer.actor, draft.id);
    await staff.accept(agent, ticket.id);
    await staff.resolve(agent, ticket.id, 'done');
    await tickets.rate(customer.actor, ticket.id, 4);
    await db.query(
      `insert into bot_state (key, doc, etag, updated_at) values ('web/u/conversation', '{}'::jsonb, 1, $1)`,
      [longAgo()],
    );
    for (const table of ['organizations', 'accounts', 'identities', 'staff', 'chat_bindings', 'tickets']) {
      await db.query(`update ${table} set created_at = $1`, [longAgo()]);
    }
    await db.query('update ticket_events set created_at = $1', [longAgo()]);
    await db.query('update ticket_ratings set created_at = $1', [longAgo()]);
    // The ticket's own notifications: written 400 days ago and never dispatched (Redis was away).
    const pendingOfTicket = await count(db, 'select count(*)::int as n from outbox');
    expect(pendingOfTicket).toBeGreaterThan(0);
    await db.query('update outbox set created_at = $1', [longAgo()]);
    const business = await businessCounts(db);
    expect(business.ticket_events).toBeGreaterThanOrEqual(4);
    expect(business.ticket_ratings).toBe(1);

    // One-time codes and sign-in links: 1 day after expiry.
    await code(db, 'code-expired-25h', ago(25 * HOUR));
    await code(db, 'code-used-3d', ago(3 * DAY), true);
    await code(db, 'code-expired-23h', ago(23 * HOUR));
    await code(db, 'code-live', new Date(NOW + 5 * 60_000));
    await webToken(db, 'token-expired-25h', ago(25 * HOUR));
    await webToken(db, 'token-used-3d', ago(3 * DAY), true);
    await webToken(db, 'token-expired-23h', ago(23 * HOUR));
    // Inbound ids and idempotency keys: 2 days.
    for (const [label, at] of [
      ['seen-49h', ago(49 * HOUR)],
      ['seen-47h', ago(47 * HOUR)],
    ] as const) {
      await db.query('insert into inbound_seen (key, created_at) values ($1, $2)', [label, at]);
      await db.query(
        `insert into idempotency_keys (scope, key, request_hash, status, body, created_at)
         values ('staff-1:create', $1, 'h', 201, '{}'::jsonb, $2)`,
        [label, at],
      );
    }
    // Outbox: dispatched more than 30 days ago goes; a row still waiting stays however old.
    const old = await outbox(db, 'dispatched-31d', ago(31 * DAY), ago(31 * DAY));
    const recent = await outbox(db, 'dispatched-29.5d', ago(40 * DAY), ago(29.5 * DAY));
    const waiting = await outbox(db, 'waiting-100d', ago(100 * DAY), null);
    // Deliveries: older than max(30, 31) days and their outbox row gone.
    await delivery(db, `o${old}|account:a|email`, ago(32 * DAY));
    await delivery(db, `o${old}|account:a|sms`, ago(30.5 * DAY)); // past 30 days, inside the 31-day floor
    await delivery(db, `o${recent}|account:a|email`, ago(40 * DAY)); // its outbox row is still there
    await delivery(db, `o${waiting}|account:a|email`, ago(100 * DAY));
    await delivery(db, 'o999999999|account:a|email', ago(32 * DAY)); // an event long gone
    // Web chat messages: older than 30 days, delivered or not.
    await inbox(db, 'inbox-delivered-31d', ago(31 * DAY), ago(31 * DAY));
    await inbox(db, 'inbox-pending-31d', ago(31 * DAY), null);
    await inbox(db, 'inbox-delivered-29d', ago(29 * DAY), ago(29 * DAY));
    await inbox(db, 'inbox-pending-29d', ago(29 * DAY), null);

    const retention = new DbRetention(db, { retentionDays: 30, now: () => new Date(NOW), batchSize: 1000 });
    expect(await retention.purge()).toEqual({
      ...NOTHING,
      verification_codes: 2,
      web_tokens: 2,
      inbound_seen: 1,
      idempotency_keys: 1,
      outbox: 1,
      deliveries: 2,
      web_chat_inbox: 2,
    });
    expect(await retention.purge()).toEqual(NOTHING);

    expect(await labels(db, 'select target as label from verification_codes')).toEqual([
      'code-expired-23h',
      'code-live',
    ]);
    expect(await labels(db, 'select token_hash as label from web_tokens')).toEqual(['token-expired-23h']);
    expect(await labels(db, 'select key as label from inbound_seen')).toEqual(['seen-47h']);
    expect(await labels(db, 'select key as label from idempotency_keys')).toEqual(['seen-47h']);
    expect(await labels(db, `select payload->>'label' as label from outbox where payload ? 'label'`)).toEqual(
      ['dispatched-29.5d', 'waiting-100d'],
    );
    expect(await count(db, `select count(*)::int as n from outbox where not payload ? 'label'`)).toBe(
      pendingOfTicket,
    );
    expect(await labels(db, 'select key as label from deliveries')).toEqual(
      [`o${old}|account:a|sms`, `o${recent}|account:a|email`, `o${waiting}|account:a|email`].sort(),
    );
    expect(await labels(db, 'select chat_user_id as label from web_chat_inbox')).toEqual([
      'inbox-delivered-29d',
      'inbox-pending-29d',
    ]);
    expect(await businessCounts(db)).toEqual(business);

    // A day later: what was just inside its window goes; the row still waiting and its key stay.
    expect(await retention.purge(new Date(NOW + DAY))).toEqual({
      ...NOTHING,
      verification_codes: 1, // code-expired-23h (code-live expired 23 h 55 min ago)
      web_tokens: 1,
      inbound_seen: 1,
      idempotency_keys: 1,
      outbox: 1, // dispatched-29.5d
      deliveries: 2, // past the 31-day floor now, and the key whose outbox row went in this purge
      web_chat_inbox: 0, // exactly 30 days old: not yet
    });
    expect(await labels(db, `select payload->>'label' as label from outbox where payload ? 'label'`)).toEqual(
      ['waiting-100d'],
    );
    expect(await labels(db, 'select key as label from deliveries')).toEqual([`o${waiting}|account:a|email`]);
    expect(await businessCounts(db)).toEqual(business);
  });

  it('purges idle chat users that are not signed in, with their state and inbox, and unsent uploads; keeps the rest', async () => {
    const db = ctx.db;
    await db.exec('delete from bot_state; delete from chat_bindings; delete from uploads');
    const signedIn = await createCustomer(db, await createOrganization(db));
    const bind = async (channel: string, user: string, conversation: string | null, lastSeen: Date) => {
      const ref =
        conversation === null
          ? null
          : JSON.stringify({
              channelId: channel === 'teams' ? 'msteams' : channel,
              conversation: { id: conversation },
            });
      await db.query(
        `insert into chat_bindings (channel, chat_user_id, conversation_ref, last_seen_at) values ($1, $2, $3::jsonb, $4)`,
        [channel, user, ref, lastSeen],
      );
    };
    const state = (key: string) =>
      db.query(`insert into bot_state (key, doc, etag) values ($1, '{}'::jsonb, 1)`, [key]);
    // A web visitor gone 8 days, a Teams user gone 8 days who signed out, a web visitor seen yesterday.
    await bind('web', 'web_gone', 'webchat:web_gone', ago(8 * DAY));
    await state('web/conversations/webchat:web_gone/');
    await state('web/users/web_gone/');
    await inbox(db, 'web_gone', ago(8 * DAY), null);
    await bind('teams', '29:gone', 'a:conv-gone', ago(8 * DAY));
    await state('msteams/conversations/a:conv-gone/');
    await state('msteams/users/29:gone/');
    await bind('web', 'web_recent', 'webchat:web_recent', ago(DAY));
    await state('web/conversations/webchat:web_recent/');
    // The signed-in customer, idle for a year: untouched.
    await db.query('update chat_bindings set last_seen_at = $2 where chat_user_id = $1', [
      signedIn.chat.chatUserId,
      ago(365 * DAY),
    ]);
    await state(`web/conversations/webchat:${signedIn.chat.chatUserId}/`);
    // Uploads: unsent and old goes; sent (attached to a message) or recent stays.
    const upload = (id: string, createdAt: Date, attached: boolean) =>
      db.query(
        `insert into uploads (id, channel, chat_user_id, account_id, name, content_type, size, data, created_at, attached_at)
         values ($1, 'web', 'u', $2, 'a.png', 'image/png', 1, '\\x00'::bytea, $3, $4)`,
        [id, signedIn.accountId, createdAt, attached ? createdAt : null],
      );
    await upload('a'.repeat(32), ago(8 * DAY), false);
    await upload('b'.repeat(32), ago(8 * DAY), true);
    await upload('c'.repeat(32), ago(DAY), false);

    const retention = new DbRetention(db, { anonymousDays: 7, now: () => new Date(NOW), batchSize: 1 });
    expect(await retention.purge()).toEqual({
      ...NOTHING,
      idle_chat_users: 2,
      idle_chat_state: 4,
      uploads: 1,
    });
    expect(await labels(db, 'select chat_user_id as label from chat_bindings')).toEqual(
      ['web_recent', signedIn.chat.chatUserId].sort(),
    );
    expect(await labels(db, 'select key as label from bot_state')).toEqual(
      [
        'web/conversations/webchat:web_recent/',
        `web/conversations/webchat:${signedIn.chat.chatUserId}/`,
      ].sort(),
    );
    expect(
      await count(db, `select count(*)::int as n from web_chat_inbox where chat_user_id = 'web_gone'`),
    ).toBe(0);
    expect(await labels(db, 'select id as label from uploads')).toEqual(['b'.repeat(32), 'c'.repeat(32)]);
    await db.exec('delete from uploads; delete from bot_state; delete from chat_bindings');
  });

  it('honours RETENTION_DAYS: a longer setting keeps what 30 days would drop', async () => {
    const db = ctx.db;
    await outbox(db, 'dispatched-31d', ago(31 * DAY), ago(31 * DAY));
    await outbox(db, 'dispatched-61d', ago(61 * DAY), ago(61 * DAY));
    await inbox(db, 'inbox-31d', ago(31 * DAY), ago(31 * DAY));
    await delivery(db, 'o999999998|account:a|email', ago(45 * DAY));
    const sixty = new DbRetention(db, { retentionDays: 60, now: () => new Date(NOW) });
    expect(await sixty.purge()).toEqual({ ...NOTHING, outbox: 1 });
    expect(await labels(db, `select payload->>'label' as label from outbox`)).toEqual(['dispatched-31d']);
    // One day of retention: the inbox and outbox follow it, delivery keys keep their 31-day floor.
    await delivery(db, 'o999999997|account:a|email', ago(2 * DAY));
    const one = new DbRetention(db, { retentionDays: 1, now: () => new Date(NOW) });
    expect(await one.purge()).toEqual({ ...NOTHING, outbox: 1, web_chat_inbox: 1, deliveries: 1 });
    expect(await labels(db, 'select key as label from deliveries')).toEqual(['o999999997|account:a|email']);
  });

  it('purges everything due even when there are more rows than one batch', async () => {
    const db = ctx.db;
    await db.query(
      `insert into inbound_seen (key, created_at) select 'old-' || g, $1 from generate_series(1, 23) g`,
      [ago(3 * DAY)],
    );
    await db.query(`insert into inbound_seen (key, created_at) values ('fresh', $1)`, [ago(HOUR)]);
    await db.query(
      `insert into outbox (topic, payload, created_at, dispatched_at, processed_at)
       select 'ticket.changed', '{}'::jsonb, $1, $1, $1 from generate_series(1, 17)`,
      [ago(40 * DAY)],
    );
    await db.query(
      `insert into deliveries (key, created_at) select 'o' || (1000000 + g) || '|r|sms', $1
         from generate_series(1, 10) g`,
      [ago(40 * DAY)],
    );
    const retention = new DbRetention(db, { now: () => new Date(NOW), batchSize: 4 });
    expect(await retention.purge()).toEqual({ ...NOTHING, inbound_seen: 23, outbox: 17, deliveries: 10 });
    expect(await labels(db, 'select key as label from inbound_seen')).toEqual(['fresh']);
    expect(await count(db, 'select count(*)::int as n from outbox')).toBe(0);
    expect(await count(db, 'select count(*)::int as n from deliveries')).toBe(0);
  });

  it('two purges at once both succeed and delete each row once', async () => {
    const db = ctx.db;
    const n = 600;
    await db.query(
      `insert into inbound_seen (key, created_at) select 'old-' || g, $1 from generate_series(1, $2::int) g`,
      [ago(3 * DAY), n],
    );
    await db.query(
      `insert into verification_codes (purpose, target, code_hash, expires_at)
       select 'sign_in', 't' || g, 'x', $1 from generate_series(1, $2::int) g`,
      [ago(3 * DAY), n],
    );
    await db.query(
      `insert into outbox (topic, payload, created_at, dispatched_at, processed_at)
       select 'ticket.changed', '{}'::jsonb, $1, $1, $1 from generate_series(1, $2::int)`,
      [ago(40 * DAY), n],
    );
    await db.query(
      `insert into web_chat_inbox (chat_user_id, activity, created_at)
       select 'u' || g, '{}'::jsonb, $1 from generate_series(1, $2::int) g`,
      [ago(40 * DAY), n],
    );
    const make = () => new DbRetention(db, { now: () => new Date(NOW), batchSize: 25 });
    const results = await Promise.all([make().purge(), make().purge(), make().purge()]);
    const sum = (table: keyof RetentionCounts) => results.reduce((a, r) => a + r[table], 0);
    expect({
      inbound_seen: sum('inbound_seen'),
      verification_codes: sum('verification_codes'),
      outbox: sum('outbox'),
      web_chat_inbox: sum('web_chat_inbox'),
    }).toEqual({ inbound_seen: n, verification_codes: n, outbox: n, web_chat_inbox: n });
    for (const table of ['inbound_seen', 'verification_codes', 'outbox', 'web_chat_inbox']) {
      expect(await count(db, `select count(*)::int as n from ${table}`)).toBe(0);
    }
  });

  // PGlite has one connection: a transaction held open there would block the purge's own statements.
  if (ctx.driver === 'postgres') {
    it('a purge skips rows another transaction holds instead of waiting for them', async () => {
      const db = ctx.db;
      await db.query(
        `insert into inbound_seen (key, created_at) select 'old-' || g, $1 from generate_series(1, 10) g`,
        [ago(3 * DAY)],
      );
      let release!: () => void;
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let locked!: () => void;
      const isLocked = new Promise<void>((resolve) => {
        locked = resolve;
      });
      // Another purge (or anything else) in the middle of deleting old-1.
      const holder = db.transaction(async (tx) => {
        await tx.query(`select 1 from inbound_seen where key = 'old-1' for update`);
        locked();
        await released;
      });
      await isLocked;
      const retention = new DbRetention(db, { now: () => new Date(NOW), batchSize: 3 });
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        retention.purge(),
        new Promise<'blocked'>((resolve) => {
          timer = setTimeout(() => resolve('blocked'), 5000);
        }),
      ]);
      clearTimeout(timer);
      release();
      await holder;
      expect(outcome).toEqual({ ...NOTHING, inbound_seen: 9 });
      expect(await retention.purge()).toEqual({ ...NOTHING, inbound_seen: 1 });
    });
  }
});
