import type { CustomerActor } from './contracts';
import type { Queryable } from './db/database';
import { forbidden, notFound } from './errors';
import { isUuid, TICKET_COLUMNS, type TicketRow } from './ticket-rows';

/** The acting identity with what scopes its reads: its organization and organization-wide right. */
export interface Viewer {
  accountId: string;
  identityId: string;
  organizationId: string;
  orgWide: boolean;
}

/** Loads the actor's identity; an identity unbound (or not the account's) may not act at all. */
export async function resolveViewer(db: Queryable, actor: CustomerActor): Promise<Viewer> {
  if (!isUuid(actor.identityId) || !isUuid(actor.accountId)) {
    throw forbidden('identity_unbound', 'identity is not active');
  }
  const { rows } = await db.query<{ organization_id: string; org_wide: boolean }>(
    `select i.organization_id, i.org_wide from identities i
      where i.id = $1 and i.account_id = $2 and i.unbound_at is null`,
    [actor.identityId, actor.accountId],
  );
  const row = rows[0];
  if (!row) throw forbidden('identity_unbound', 'identity is not active');
  return {
    accountId: actor.accountId,
    identityId: actor.identityId,
    organizationId: row.organization_id,
    orgWide: row.org_wide,
  };
}

/** What the viewer may do with a ticket it can see. */
export interface Access {
  /** The identity that created the ticket. */
  owner: boolean;
  /** The owner, or an organization-wide identity of the ticket's organization: may cancel, rate, reopen. */
  manager: boolean;
}

/**
 * The ticket by id or number, with the viewer's access to it. Anything the viewer may not see is
 * reported as not found, so a guessed number reveals nothing.
 */
export async function loadVisible(
  db: Queryable,
  viewer: Viewer,
  idOrNumber: string,
  options: { forUpdate?: boolean } = {},
): Promise<{ row: TicketRow; access: Access }> {
  const byId = isUuid(idOrNumber);
  const { rows } = await db.query<TicketRow & { shared: boolean }>(
    `select ${TICKET_COLUMNS},
            exists (select 1 from ticket_shares s where s.ticket_id = t.id and s.identity_id = $2) as shared
       from tickets t
      where ${byId ? 't.id = $1::uuid' : 't.number = $1'}
      ${options.forUpdate ? 'for update of t' : ''}`,
    [byId ? idOrNumber : idOrNumber.trim().toUpperCase(), viewer.identityId],
  );
  const row = rows[0];
  if (!row) throw notFound('ticket');
  const owner = row.identity_id === viewer.identityId;
  const orgWide = viewer.orgWide && row.organization_id === viewer.organizationId;
  // A draft is private to its author until it is submitted.
  const visible = owner || (row.status !== 'draft' && (row.shared || orgWide));
  if (!visible) throw notFound('ticket');
  const { shared: _shared, ...ticket } = row;
  return { row: ticket, access: { owner, manager: owner || orgWide } };
}
