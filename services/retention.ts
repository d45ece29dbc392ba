import type { Database } from './db/database';

export interface RetentionOptions {
  /** RETENTION_DAYS: how long sent notifications, their delivery records and web chat messages stay. */
  retentionDays?: number;
  /**
   * ANONYMOUS_RETENTION_DAYS: how long a chat user that is not signed in (and its dialog state and web
   * chat inbox) stays after it last spoke, and how long an upload no message carried stays.
   */
  anonymousDays?: number;
  now?: () => Date;
  /** Rows deleted per statement; a purge loops until nothing is due. */
  batchSize?: number;
}

/** Rows removed by one purge, per table. */
export interface RetentionCounts {
  verification_codes: number;
  web_tokens: number;
  inbound_seen: number;
  idempotency_keys: number;
  outbox: number;
  deliveries: number;
  web_chat_inbox: number;
  /** Idle chat users that are not signed in (bindings), with their bot state and web chat inbox. */
  idle_chat_users: number;
  idle_chat_state: number;
  /** Web chat uploads no message carried. */
  uploads: number;
}

export interface RetentionPurge {
  purge(now?: Date): Promise<RetentionCounts>;
}

const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

/**
 * Windows of the transient tables (RETENTION_DAYS is the operator's setting, at least 1):
 * - verification_codes, web_tokens: 1 day after they expired (codes live 10 minutes, links 10
 *   minutes; a used or replaced one has expired by then too). The code rate limit only counts the
 *   last hour, so nothing it needs goes.
 * - inbound_seen: 2 days (WeCom retries within seconds, Teams within a minute).
 * - idempotency_keys: 2 days (a key is replayed for 24 hours, http/api/idempotency.ts).
 * - outbox: rows processed more than RETENTION_DAYS ago. A row not yet processed is never touched:
 *   it is a notification still on its way. A secret still in a row goes with it.
 * - deliveries: see `deliveries` below: RETENTION_DAYS but at least 31 days, and only once the
 *   outbox row of the key is gone.
 * - web_chat_inbox: messages written more than RETENTION_DAYS ago, delivered or not (a web chat user
 *   who stays away that long no longer needs old progress pushes; the ticket itself keeps its history).
 *
 * - chat users that are not signed in and have not spoken for ANONYMOUS_RETENTION_DAYS (default 7):
 *   their binding, their conversation and user state (bot_state, keyed as botbuilder keys them) and
 *   their web chat inbox. Anybody may open a web chat; what the visits that never signed in left behind
 *   does not pile up. Signed-in chat users are never touched.
 * - uploads: files no message carried (uploaded, then the page was left), ANONYMOUS_RETENTION_DAYS
 *   after the upload. A file a message carried is part of the conversation and may be an attachment.
 *
 * Business records (accounts, identities, signed-in bindings, tickets, their events and ratings,
 * staff, their bot state) are never touched. Each statement deletes at most `batchSize` rows it locked with
 * `for update skip locked`, in its own short transaction: no statement holds many locks for long, and
 * two purges at once (two workers, a slow tick overlapping the next) take disjoint rows instead of
 * waiting on each other or deadlocking.
 */
export class DbRetention implements RetentionPurge {
  private readonly days: number;
  private readonly anonymousDays: number;
  private readonly now: () => Date;
  private readonly batch: number;

  constructor(
    private readonly db: Database,
    options: RetentionOptions = {},
  ) {
    this.days = Math.max(1, options.retentionDays ?? 30);
    this.anonymousDays = Math.max(1, options.anonymousDays ?? 7);
    this.now = options.now ?? (() => new Date());
    this.batch = options.batchSize ?? 1000;
  }

  async purge(now: Date = this.now()): Promise<RetentionCounts> {
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const retention = ago(this.days * DAY_MS);
    return {
      verification_codes: await this.byCtid('verification_codes', 'expires_at < $1', ago(DAY_MS)),
      web_tokens: await this.byCtid('web_tokens', 'expires_at < $1', ago(DAY_MS)),
      inbound_seen: await this.byCtid('inbound_seen', 'created_at < $1', ago(48 * HOUR_MS)),
      idempotency_keys: await this.byCtid('idempotency_keys', 'created_at < $1', ago(48 * HOUR_MS)),
      // Outbox before deliveries: a delivery key goes only once its outbox row has gone.
      outbox: await this.byId('outbox', 'processed_at < $1', retention),
      deliveries: await this.deliveries(now),
      web_chat_inbox: await this.byId('web_chat_inbox', 'created_at < $1', retention),
      ...(await this.idleChatUsers(ago(this.anonymousDays * DAY_MS))),
      uploads: await this.byCtid(
        'uploads',
        'attached_at is null and created_at < $1',
        ago(this.anonymousDays * DAY_MS),
      ),
    };
  }

  /**
   * Idle chat users that are not signed in, a batch at a time: the binding goes with the conversation
   * and user state botbuilder stored for it (`<channel id>/conversations/<conversation id>/` and
   * `<channel id>/users/<chat user id>/`, the channel and conversation as its reference names them) and
   * its web chat inbox, in one statement.
   */
  private async idleChatUsers(cutoff: Date): Promise<{ idle_chat_users: number; idle_chat_state: number }> {
    let users = 0;
    let states = 0;
    for (;;) {
      const { rows } = await this.db.query<{ users: number; states: number }>(
        `with gone as (
           delete from chat_bindings
            where id in (select id from chat_bindings
                          where account_id is null and last_seen_at < $1
                          order by last_seen_at limit $2 for update skip locked)
              and account_id is null and last_seen_at < $1
           returning channel, chat_user_id, conversation_ref
         ), named as (
           select channel, chat_user_id,
                  coalesce(conversation_ref->>'channelId',
                           case channel when 'teams' then 'msteams' else channel end) as channel_id,
                  coalesce(conversation_ref->'conversation'->>'id',
                           case channel when 'web' then 'webchat:' || chat_user_id end) as conversation_id
             from gone
         ), states as (
           delete from bot_state
            where key in (select channel_id || '/users/' || chat_user_id || '/' from named
                          union all
                          select channel_id || '/conversations/' || conversation_id || '/' from named
                           where conversation_id is not null)
           returning 1
         ), inbox as (
           delete from web_chat_inbox
            where chat_user_id in (select chat_user_id from named where channel = 'web')
           returning 1
         )
         select (select count(*) from gone)::int as users, (select count(*) from states)::int as states,
                (select count(*) from inbox)::int as inbox`,
        [cutoff, this.batch],
      );
      users += rows[0]!.users;
      states += rows[0]!.states;
      if (rows[0]!.users < this.batch) return { idle_chat_users: users, idle_chat_state: states };
    }
  }

  /**
   * A delivery key (`o<outbox id>|<recipient>|<channel>`, workers/plan.ts) is what stops a second send:
   * workers/deliver.ts skips a delivery job whose key is recorded. It matters only while a job that
   * carries the key can still run:
   * - an event job re-plans the row's deliveries (same keys) whenever it runs again, but it reads the
   *   outbox row first and plans nothing once the row is gone (workers/process-event.ts); the relay only
   *   ever re-adds rows not yet dispatched. So a key goes only when its outbox row has gone, and outbox
   *   rows go RETENTION_DAYS after dispatch.
   * - a delivery job already in a send queue: its retries end within hours (JOB_ATTEMPTS, backoff capped
   *   at 15 minutes), but a job kept as failed stays 30 days in BullMQ (removeOnFail in workers/queues.ts)
   *   and can be retried by hand; if it had recorded its key before failing (the send and its record
   *   succeeded, the step after failed on the last attempt), the key must outlive it. Hence at least 31
   *   days, whatever RETENTION_DAYS says.
   * Keys not in that shape (none are written) have no outbox row and follow the time rule alone.
   */
  private deliveries(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - Math.max(this.days, DELIVERY_MIN_DAYS) * DAY_MS);
    return this.byCtid(
      'deliveries',
      `created_at < $1 and not exists (
         select 1 from outbox o where o.id = (regexp_match(key, '^o(\\d{1,18})\\|'))[1]::bigint)`,
      cutoff,
    );
  }

  /** Tables without a time index: batches picked by row address; the outer condition is re-checked. */
  private byCtid(table: string, condition: string, cutoff: Date): Promise<number> {
    return this.loop(
      `delete from ${table}
        where ctid = any(array(select ctid from ${table} where ${condition}
                               limit $2 for update skip locked))
          and ${condition}`,
      cutoff,
    );
  }

  /**
   * Tables keyed by an identity column: oldest ids first through the primary key, which is also the
   * order in which rows were written (so the scan stops early instead of reading the whole table).
   */
  private byId(table: string, condition: string, cutoff: Date): Promise<number> {
    return this.loop(
      `delete from ${table}
        where id in (select id from ${table} where ${condition}
                      order by id limit $2 for update skip locked)
          and ${condition}`,
      cutoff,
    );
  }

  private async loop(sql: string, cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.db.query(sql, [cutoff, this.batch]);
      total += rowCount;
      if (rowCount < this.batch) return total;
    }
  }
}

/** A day beyond the 30 days BullMQ keeps a failed job (workers/queues.ts, removeOnFail). */
export const DELIVERY_MIN_DAYS = 31;
