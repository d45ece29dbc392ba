import type { CustomerActor, Identity, IdentityService, StaffActor } from './contracts';
import type { Database, Queryable } from './db/database';
import { DomainError, forbidden, invalidInput, invalidState, notFound } from './errors';

/**
 * F3 / S1: an account's identities (the account as a contact of one organization). Unbinding is
 * soft (`unbound_at`): tickets keep pointing at the identity, but it leaves the customer's list at
 * once and every chat binding acting as it falls back to the only remaining identity, or to none
 * (the chat then asks the customer to pick: BindingService.actor throws `identity_required`).
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that Postgres would reject as uuid is simply not found, never a database error. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

export const DISPLAY_NAME_MAX = 100;

export function cleanName(field: string, value: string, max = DISPLAY_NAME_MAX): string {
  const name = typeof value === 'string' ? value.trim() : '';
  if (name === '') throw invalidInput(field, `${field}_required`, `${field} is required`);
  if (name.length > max)
    throw invalidInput(field, `${field}_too_long`, `${field} is at most ${max} characters`);
  return name;
}

export interface IdentityRow {
  id: string;
  account_id: string;
  organization_id: string;
  organization_name: string;
  display_name: string;
  org_wide: boolean;
  unbound_at: Date | null;
}

const IDENTITY_COLUMNS = `i.id, i.account_id, i.organization_id, o.name as organization_name, i.display_name,
  i.org_wide, i.unbound_at`;
const IDENTITY_FROM = 'from identities i join organizations o on o.id = i.organization_id';
export const IDENTITY_SELECT = `select ${IDENTITY_COLUMNS} ${IDENTITY_FROM}`;

export function toIdentity(row: IdentityRow): Identity {
  return {
    id: row.id,
    accountId: row.account_id,
    organizationId: row.organization_id,
    organizationName: row.organization_name,
    displayName: row.display_name,
    orgWide: row.org_wide,
  };
}

/** The account's identities still bound, oldest first (the order the customer sees them in). */
export async function boundIdentities(q: Queryable, accountId: string): Promise<Identity[]> {
  const { rows } = await q.query<IdentityRow>(
    `${IDENTITY_SELECT} where i.account_id = $1 and i.unbound_at is null order by i.created_at, i.id`,
    [accountId],
  );
  return rows.map(toIdentity);
}

export interface NewIdentity {
  organizationId: string;
  displayName: string;
  orgWide?: boolean;
}

/**
 * Inserts identities for an account inside the caller's transaction; unknown organizations are
 * not_found. clock_timestamp() (not the transaction's now()) keeps the order they were given in.
 */
export async function insertIdentities(
  q: Queryable,
  accountId: string,
  inputs: NewIdentity[],
): Promise<Identity[]> {
  const out: Identity[] = [];
  for (const input of inputs) {
    const displayName = cleanName('displayName', input.displayName);
    if (typeof input.organizationId !== 'string' || !isUuid(input.organizationId)) {
      throw notFound('organization', { organizationId: input.organizationId });
    }
    const { rows } = await q.query<IdentityRow>(
      `with inserted as (
         insert into identities (account_id, organization_id, display_name, org_wide, created_at)
         select $1, o.id, $3, $4, clock_timestamp() from organizations o where o.id = $2
         returning *)
       select ${IDENTITY_COLUMNS} from inserted i join organizations o on o.id = i.organization_id`,
      [accountId, input.organizationId, displayName, input.orgWide === true],
    );
    if (!rows[0]) throw notFound('organization', { organizationId: input.organizationId });
    out.push(toIdentity(rows[0]));
  }
  return out;
}

export interface IdentityOptions {
  now?: () => Date;
}

export class DbIdentityService implements IdentityService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Database,
    options: IdentityOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async listForAccount(accountId: string): Promise<Identity[]> {
    if (!isUuid(accountId)) return [];
    return boundIdentities(this.db, accountId);
  }

  /** A bound identity; an unbound one is gone for every caller. */
  async get(identityId: string): Promise<Identity> {
    if (isUuid(identityId)) {
      const { rows } = await this.db.query<IdentityRow>(
        `${IDENTITY_SELECT} where i.id = $1 and i.unbound_at is null`,
        [identityId],
      );
      if (rows[0]) return toIdentity(rows[0]);
    }
    throw notFound('identity');
  }

  async add(_staff: StaffActor, accountId: string, input: NewIdentity): Promise<Identity> {
    if (!isUuid(accountId)) throw notFound('account');
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query('select id from accounts where id = $1 for update', [accountId]);
      if (!rows[0]) throw notFound('account');
      const [identity] = await insertIdentities(tx, accountId, [input]);
      // A chat signed in while the account had no identity starts acting as its first one.
      const all = await boundIdentities(tx, accountId);
      if (all.length === 1) {
        await tx.query(
          'update chat_bindings set active_identity_id = $2 where account_id = $1 and active_identity_id is null',
          [accountId, identity!.id],
        );
      }
      return identity!;
    });
  }

  async unbind(_staff: StaffActor, identityId: string): Promise<void> {
    if (!isUuid(identityId)) throw notFound('identity');
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ account_id: string; unbound_at: Date | null }>(
        'select account_id, unbound_at from identities where id = $1 for update',
        [identityId],
      );
      const row = rows[0];
      if (!row) throw notFound('identity');
      if (row.unbound_at) throw invalidState('identity_already_unbound', 'the identity is already unbound');
      await tx.query('update identities set unbound_at = $2 where id = $1', [identityId, this.now()]);
      const remaining = await boundIdentities(tx, row.account_id);
      const fallback = remaining.length === 1 ? remaining[0]!.id : null;
      await tx.query('update chat_bindings set active_identity_id = $2 where active_identity_id = $1', [
        identityId,
        fallback,
      ]);
    });
  }

  /** Identities of other people in the actor's organization: who a ticket can be shared with (F7). */
  async colleagues(actor: CustomerActor): Promise<Identity[]> {
    const me = await this.actingIdentity(actor);
    const { rows } = await this.db.query<IdentityRow>(
      `${IDENTITY_SELECT} where i.organization_id = $1 and i.unbound_at is null and i.account_id <> $2
       order by i.display_name, i.id`,
      [me.organizationId, actor.accountId],
    );
    return rows.map(toIdentity);
  }

  /** The actor's identity, checked to be theirs and still bound. */
  private async actingIdentity(actor: CustomerActor): Promise<Identity> {
    if (isUuid(actor.identityId) && isUuid(actor.accountId)) {
      const { rows } = await this.db.query<IdentityRow>(
        `${IDENTITY_SELECT} where i.id = $1 and i.account_id = $2`,
        [actor.identityId, actor.accountId],
      );
      const row = rows[0];
      if (row?.unbound_at) throw forbidden('identity_unbound', 'this identity was unbound');
      if (row) return toIdentity(row);
    }
    throw new DomainError('forbidden', 'identity_not_yours', 'not an identity of this account');
  }
}
