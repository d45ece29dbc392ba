import type { Migration } from '../migrate';

/**
 * Issue 10 (reliability and security):
 * - verification_codes.context_key: a code belongs to the chat (or account) that asked for it; it is
 *   looked up, tried and replaced only there.
 * - uploads: files sent in the web chat live in the database (any server can serve them), with their
 *   uploader, account (for the daily quota) and whether a message carried them (unsent ones are purged).
 * - chat_bindings_idle: the retention job finds idle chat users that are not signed in.
 * - tickets.client_key: the key of the chat flow that filed a ticket, so a turn replayed after a crash
 *   finds the ticket it already filed instead of filing it twice.
 * - outbox.lane / processed_at: notifications of one ticket are processed in the order they were
 *   written (an event waits while an older one of its lane is not processed yet), and a row counts as
 *   done only once its job has delivered it: until then the relay hands it to the queue again, so a
 *   Redis that lost its jobs (restarted without persistence) loses no notification.
 */
export const reliability: Migration = {
  version: 4,
  name: 'reliability',
  sql: `
alter table verification_codes add column context_key text not null default '';
create index verification_codes_context on verification_codes (purpose, target, context_key, created_at desc);

create table uploads (
  id text primary key,
  channel text not null,
  chat_user_id text not null,
  account_id uuid references accounts(id) on delete cascade,
  name text not null,
  content_type text not null,
  size integer not null,
  data bytea not null,
  created_at timestamptz not null default now(),
  attached_at timestamptz
);
create index uploads_account on uploads (account_id, created_at);
create index uploads_unattached on uploads (created_at) where attached_at is null;

create index chat_bindings_idle on chat_bindings (last_seen_at) where account_id is null;

alter table tickets add column client_key text;
create unique index tickets_client_key on tickets (identity_id, client_key) where client_key is not null;

alter table outbox add column lane text;
alter table outbox add column processed_at timestamptz;
-- Rows relayed before this version were processed by the jobs they became.
update outbox set processed_at = dispatched_at where dispatched_at is not null;
create index outbox_lane_open on outbox (lane, id) where lane is not null and processed_at is null;
drop index outbox_pending;
create index outbox_unprocessed on outbox (id) where processed_at is null;
`,
};
