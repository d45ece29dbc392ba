import type { Migration } from '../migrate';

/** The product's schema: accounts and identities, staff, chat bindings, tickets, codes, outbox, bot state. */
export const initial: Migration = {
  version: 1,
  name: 'initial',
  sql: `
create table organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  created_at timestamptz not null default now()
);

-- A customer's helpdesk account. Login is by phone and/or email.
create table accounts (
  id uuid primary key default gen_random_uuid(),
  phone text unique,
  email text unique,
  name text not null,
  avatar_ref text,
  locale text,
  password_hash text not null,
  must_change_password boolean not null default true,
  failed_sign_ins integer not null default 0,
  locked_until timestamptz,
  disabled_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (phone is not null or email is not null)
);

-- An external identity of an account: the account as a contact of one organization.
create table identities (
  id uuid primary key default gen_random_uuid(),
  account_id uuid not null references accounts(id) on delete cascade,
  organization_id uuid not null references organizations(id),
  display_name text not null,
  org_wide boolean not null default false,
  unbound_at timestamptz,
  created_at timestamptz not null default now()
);
create index identities_account on identities (account_id) where unbound_at is null;
create index identities_organization on identities (organization_id) where unbound_at is null;

create table staff (
  id uuid primary key default gen_random_uuid(),
  name text not null,
  email text,
  phone text,
  role text not null check (role in ('agent', 'admin')),
  wecom_user_id text unique,
  teams_user_id text unique,
  alert_new_ticket boolean not null default true,
  alert_rating boolean not null default true,
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table staff_tokens (
  id uuid primary key default gen_random_uuid(),
  staff_id uuid not null references staff(id) on delete cascade,
  token_hash text not null unique,
  label text not null default '',
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);

-- A chat user on one channel. account_id is set while the chat user is signed in (bound).
-- conversation_ref is what a worker needs to write to this user proactively.
create table chat_bindings (
  id uuid primary key default gen_random_uuid(),
  channel text not null,
  chat_user_id text not null,
  account_id uuid references accounts(id) on delete cascade,
  active_identity_id uuid references identities(id),
  conversation_ref jsonb,
  reachable boolean not null default true,
  locale text,
  bound_at timestamptz,
  last_seen_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  unique (channel, chat_user_id)
);
create index chat_bindings_account on chat_bindings (account_id) where account_id is not null;

-- Tickets. number is null while a draft; queue_rank orders the waiting queue (0 = urgent).
create table tickets (
  id uuid primary key default gen_random_uuid(),
  number text unique,
  account_id uuid not null references accounts(id),
  identity_id uuid not null references identities(id),
  organization_id uuid not null references organizations(id),
  title text not null default '',
  description text not null default '',
  category text,
  priority text check (priority in ('urgent', 'high', 'normal', 'low')),
  queue_rank smallint,
  queue text,
  reply_channel jsonb,
  status text not null check (status in ('draft', 'waiting', 'in_progress', 'resolved', 'closed', 'cancelled')),
  submitted_at timestamptz,
  accepted_at timestamptz,
  accepted_by uuid references staff(id),
  resolved_at timestamptz,
  resolution text,
  closed_at timestamptz,
  -- The smallest queue milestone already announced (10, 5, 1), and when a rating reminder went out.
  last_milestone smallint,
  rating_reminded_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index tickets_waiting_queue on tickets (queue, queue_rank, submitted_at, id) where status = 'waiting';
create index tickets_by_identity on tickets (identity_id, created_at desc, id desc);
create index tickets_by_identity_status on tickets (identity_id, status, created_at desc, id desc);
create index tickets_by_organization on tickets (organization_id, created_at desc, id desc) where status <> 'draft';
create index tickets_by_organization_status on tickets (organization_id, status, created_at desc, id desc);
create index tickets_resolved on tickets (resolved_at) where status = 'resolved';

create table ticket_number_counters (
  day text primary key,
  last integer not null
);

create table ticket_shares (
  ticket_id uuid not null references tickets(id) on delete cascade,
  identity_id uuid not null references identities(id),
  shared_by uuid not null references identities(id),
  created_at timestamptz not null default now(),
  primary key (ticket_id, identity_id)
);
create index ticket_shares_identity on ticket_shares (identity_id, created_at desc);

create table ticket_events (
  id bigint generated always as identity primary key,
  ticket_id uuid not null references tickets(id) on delete cascade,
  kind text not null,
  actor_type text not null check (actor_type in ('customer', 'staff', 'system')),
  actor_id uuid,
  data jsonb not null default '{}',
  created_at timestamptz not null default now()
);
create index ticket_events_ticket on ticket_events (ticket_id, id);

create table ticket_attachments (
  id uuid primary key default gen_random_uuid(),
  ticket_id uuid not null references tickets(id) on delete cascade,
  name text not null,
  content_type text not null,
  size integer not null,
  url text not null,
  created_at timestamptz not null default now()
);
create index ticket_attachments_ticket on ticket_attachments (ticket_id);

create table ticket_ratings (
  ticket_id uuid primary key references tickets(id) on delete cascade,
  identity_id uuid not null references identities(id),
  stars smallint not null check (stars between 1 and 5),
  comment text,
  created_at timestamptz not null default now()
);
create index ticket_ratings_low on ticket_ratings (stars, created_at desc);

-- One-time codes (sign-in, forgot password, contact change): stored hashed, few attempts, single use.
create table verification_codes (
  id uuid primary key default gen_random_uuid(),
  purpose text not null,
  target text not null,
  account_id uuid references accounts(id) on delete cascade,
  code_hash text not null,
  data jsonb not null default '{}',
  attempts integer not null default 0,
  expires_at timestamptz not null,
  consumed_at timestamptz,
  created_at timestamptz not null default now()
);
create index verification_codes_target on verification_codes (purpose, target, created_at desc);

-- One-time links from chat to the web pages (sign-in, change password): stored hashed.
create table web_tokens (
  id uuid primary key default gen_random_uuid(),
  token_hash text not null unique,
  purpose text not null,
  channel text not null,
  chat_user_id text not null,
  account_id uuid references accounts(id) on delete cascade,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);

-- Transactional outbox: written with the change it announces, relayed to the job queue by workers.
create table outbox (
  id bigint generated always as identity primary key,
  topic text not null,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  dispatched_at timestamptz,
  lease_until timestamptz
);
create index outbox_pending on outbox (id) where dispatched_at is null;

-- What a worker has delivered: one row per (event, recipient, channel); checked before sending.
create table deliveries (
  key text primary key,
  created_at timestamptz not null default now()
);

-- Idempotency-Key replay store for the staff API.
create table idempotency_keys (
  scope text not null,
  key text not null,
  request_hash text not null,
  status integer not null,
  body jsonb not null,
  created_at timestamptz not null default now(),
  primary key (scope, key)
);

-- Inbound deliveries already handled (Teams activity ids, WeCom MsgIds), kept at least a day.
create table inbound_seen (
  key text primary key,
  created_at timestamptz not null default now()
);

-- The bot's conversation and user state (botbuilder Storage), with optimistic concurrency.
create table bot_state (
  key text primary key,
  doc jsonb not null,
  etag bigint not null,
  updated_at timestamptz not null default now()
);

-- Messages for a web chat user that is not connected right now, shown at its next visit.
create table web_chat_inbox (
  id bigint generated always as identity primary key,
  chat_user_id text not null,
  activity jsonb not null,
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index web_chat_inbox_pending on web_chat_inbox (chat_user_id, id) where delivered_at is null;
`,
};
