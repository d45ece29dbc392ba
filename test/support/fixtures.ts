import { randomBytes } from 'node:crypto';
import type { CustomerActor, DraftFields, ReplyChannel, StaffActor } from '../../services/contracts';
import type { Queryable } from '../../services/db/database';

/**
 * Rows inserted directly with SQL, so ticket tests do not depend on the account services.
 * Every value is unique per call (random suffix), so fixtures can be mixed freely in one database.
 */

const uniq = () => randomBytes(5).toString('hex');

export async function createOrganization(db: Queryable, name = `Org ${uniq()}`): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'insert into organizations (name) values ($1) returning id',
    [name],
  );
  return rows[0]!.id;
}

export interface TestCustomer {
  accountId: string;
  identityId: string;
  organizationId: string;
  actor: CustomerActor;
  /** A chat the account is bound on: a valid reply channel. */
  chat: ReplyChannel & { kind: 'chat' };
}

/** An account with one identity in `organizationId`, bound on a web chat user. */
export async function createCustomer(
  db: Queryable,
  organizationId: string,
  options: { orgWide?: boolean; displayName?: string; phone?: string | null; email?: string | null } = {},
): Promise<TestCustomer> {
  const tag = uniq();
  const phone =
    options.phone === undefined ? `+86138${parseInt(tag.slice(0, 6), 16) % 100000000}` : options.phone;
  const email = options.email === undefined ? null : options.email;
  const { rows } = await db.query<{ id: string }>(
    `insert into accounts (phone, email, name, password_hash, must_change_password)
     values ($1, $2, $3, 'x', false) returning id`,
    [phone, email ?? (phone ? null : `${tag}@example.com`), `Customer ${tag}`],
  );
  const accountId = rows[0]!.id;
  const identityId = await addIdentity(db, accountId, organizationId, options);
  const chatUserId = `web-${tag}`;
  await db.query(
    `insert into chat_bindings (channel, chat_user_id, account_id, active_identity_id, bound_at)
     values ('web', $1, $2, $3, now())`,
    [chatUserId, accountId, identityId],
  );
  return {
    accountId,
    identityId,
    organizationId,
    actor: { accountId, identityId },
    chat: { kind: 'chat', channel: 'web', chatUserId },
  };
}

export async function addIdentity(
  db: Queryable,
  accountId: string,
  organizationId: string,
  options: { orgWide?: boolean; displayName?: string } = {},
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `insert into identities (account_id, organization_id, display_name, org_wide) values ($1, $2, $3, $4) returning id`,
    [accountId, organizationId, options.displayName ?? `Contact ${uniq()}`, options.orgWide ?? false],
  );
  return rows[0]!.id;
}

export async function unbindIdentity(db: Queryable, identityId: string): Promise<void> {
  await db.query('update identities set unbound_at = now() where id = $1', [identityId]);
}

export async function createStaff(
  db: Queryable,
  name = `Agent ${uniq()}`,
): Promise<StaffActor & { name: string }> {
  const { rows } = await db.query<{ id: string }>(
    `insert into staff (name, role) values ($1, 'agent') returning id`,
    [name],
  );
  return { staffId: rows[0]!.id, role: 'agent', name };
}

/** A complete draft for `customer` (valid at submit), with overrides. */
export function draftFields(customer: TestCustomer, overrides: DraftFields = {}): DraftFields {
  return {
    title: `Printer on fire ${uniq()}`,
    description: 'The office printer shows error E42.',
    category: 'technical',
    priority: 'normal',
    replyChannel: customer.chat,
    ...overrides,
  };
}

/** Outbox rows of a topic for one ticket, oldest first. */
export async function outboxFor(
  db: Queryable,
  ticketId: string,
  topic?: string,
): Promise<{ topic: string; payload: Record<string, unknown> }[]> {
  const { rows } = await db.query<{ topic: string; payload: Record<string, unknown> }>(
    `select topic, payload from outbox where payload->>'ticketId' = $1 and ($2::text is null or topic = $2)
      order by id`,
    [ticketId, topic ?? null],
  );
  return rows;
}

export const CATEGORIES = ['account', 'billing', 'technical', 'other'];
