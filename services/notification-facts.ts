import type { Account, ChatBinding, Priority, ReplyChannel, TicketStatus } from './contracts';
import type { Queryable } from './db/database';
import { isUuid } from './ticket-rows';

/**
 * Exactly what a notification about a ticket needs, in one query: the ticket's headline facts, the
 * one timeline entry the event names, the customer's account and the chat binding its reply channel
 * names. The notification workers call this once per event instead of the full staff details (the
 * whole timeline, attachments, ratings, then the identity, the account and every binding: 8 round
 * trips, growing with the timeline).
 *
 * It reads like the services it stands in for: drafts are not found (staff never see them), the
 * customer is the account of the ticket's identity only while that identity is bound.
 */
export interface NotificationFacts {
  ticket: {
    id: string;
    number: string | null;
    title: string;
    status: TicketStatus;
    priority: Priority | null;
    category: string | null;
    organizationId: string;
    /** null when the organization is gone. */
    organizationName: string | null;
    replyChannel: ReplyChannel | null;
    resolvedAt: Date | null;
    resolution: string | null;
    acceptedBy: { id: string; name: string } | null;
    rating: { stars: number; comment: string | null } | null;
  };
  /** `data` of the timeline entry `eventId` of this ticket; null when not asked for or not there. */
  eventData: Record<string, unknown> | null;
  /**
   * The account of the ticket's identity, with that identity's name (who the customer is in this
   * organization); null once that identity is unbound (or the account is gone).
   */
  customer: (Pick<Account, 'id' | 'phone' | 'email' | 'name' | 'locale'> & { identityName: string }) | null;
  /** The chat binding the ticket's chat reply channel names, whoever it is bound to now; null if none. */
  replyBinding: Pick<ChatBinding, 'accountId' | 'reachable' | 'locale' | 'conversationRef'> | null;
}

interface FactsRow {
  id: string;
  number: string | null;
  title: string;
  status: TicketStatus;
  priority: Priority | null;
  category: string | null;
  organization_id: string;
  organization_name: string | null;
  reply_channel: ReplyChannel | null;
  resolved_at: Date | null;
  resolution: string | null;
  accepted_by: { id: string; name: string } | null;
  rating: { stars: number; comment: string | null } | null;
  event_data: Record<string, unknown> | null;
  customer: NotificationFacts['customer'];
  reply_binding: NotificationFacts['replyBinding'];
}

// Scalar subqueries on primary/unique keys rather than one eight-way join: Postgres plans each on its own
// in microseconds, where the join search for the same query took 2-4 ms of planning per call.
const FACTS_SQL = `
select t.id, t.number, t.title, t.status, t.priority, t.category, t.organization_id, t.reply_channel,
       t.resolved_at, t.resolution,
       (select o.name from organizations o where o.id = t.organization_id) as organization_name,
       (select jsonb_build_object('id', s.id, 'name', s.name) from staff s where s.id = t.accepted_by)
         as accepted_by,
       (select jsonb_build_object('stars', r.stars, 'comment', r.comment)
          from ticket_ratings r where r.ticket_id = t.id) as rating,
       (select e.data from ticket_events e where e.ticket_id = t.id and e.id = $2::bigint) as event_data,
       (select jsonb_build_object('id', a.id, 'phone', a.phone, 'email', a.email, 'name', a.name,
                                  'locale', a.locale, 'identityName', i.display_name)
          from identities i join accounts a on a.id = i.account_id
         where i.id = t.identity_id and i.unbound_at is null) as customer,
       (select jsonb_build_object('accountId', b.account_id, 'reachable', b.reachable, 'locale', b.locale,
                                  'conversationRef', b.conversation_ref)
          from chat_bindings b
         where t.reply_channel ->> 'kind' = 'chat' and b.channel = t.reply_channel ->> 'channel'
           and b.chat_user_id = t.reply_channel ->> 'chatUserId') as reply_binding
  from tickets t
 where t.id = $1::uuid and t.status <> 'draft'`;

/** The facts, or undefined when there is no such (non-draft) ticket. */
export async function notificationFacts(
  db: Queryable,
  ticketId: string,
  eventId?: number,
): Promise<NotificationFacts | undefined> {
  if (!isUuid(ticketId)) return undefined;
  const { rows } = await db.query<FactsRow>(FACTS_SQL, [ticketId, eventId ?? null]);
  const row = rows[0];
  if (!row) return undefined;
  return {
    ticket: {
      id: row.id,
      number: row.number,
      title: row.title,
      status: row.status,
      priority: row.priority,
      category: row.category,
      organizationId: row.organization_id,
      organizationName: row.organization_name,
      replyChannel: row.reply_channel,
      resolvedAt: row.resolved_at,
      resolution: row.resolution,
      acceptedBy: row.accepted_by,
      rating: row.rating,
    },
    eventData: row.event_data,
    customer: row.customer,
    replyBinding: row.reply_binding,
  };
}

/** The person a ticket was shared with: their account, and the chat where that identity is active. */
export interface ShareRecipient {
  account: Pick<Account, 'id' | 'phone' | 'email' | 'name' | 'locale'>;
  /** The reachable chat binding of that account whose active identity is this one, most recently seen. */
  binding: Pick<ChatBinding, 'channel' | 'chatUserId' | 'locale' | 'conversationRef'> | null;
  /** The name of whoever shared it, as their identity is shown. */
  sharedBy: string | null;
}

const SHARE_SQL = `
select jsonb_build_object('id', a.id, 'phone', a.phone, 'email', a.email, 'name', a.name, 'locale', a.locale)
         as account,
       (select jsonb_build_object('channel', b.channel, 'chatUserId', b.chat_user_id, 'locale', b.locale,
                                  'conversationRef', b.conversation_ref)
          from chat_bindings b
         where b.account_id = a.id and b.active_identity_id = i.id and b.reachable
         order by b.last_seen_at desc limit 1) as binding,
       (select s.display_name from ticket_shares ts join identities s on s.id = ts.shared_by
         where ts.ticket_id = $2::uuid and ts.identity_id = i.id) as shared_by
  from identities i join accounts a on a.id = i.account_id
 where i.id = $1::uuid and i.unbound_at is null`;

/** Undefined when the identity was unbound (or the share withdrawn with it) since the ticket was shared. */
export async function shareRecipient(
  db: Queryable,
  identityId: string,
  ticketId: string,
): Promise<ShareRecipient | undefined> {
  if (!isUuid(identityId) || !isUuid(ticketId)) return undefined;
  const { rows } = await db.query<{
    account: ShareRecipient['account'];
    binding: ShareRecipient['binding'];
    shared_by: string | null;
  }>(SHARE_SQL, [identityId, ticketId]);
  const row = rows[0];
  return row && { account: row.account, binding: row.binding, sharedBy: row.shared_by };
}
