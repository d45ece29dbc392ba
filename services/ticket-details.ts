import type { Attachment, ReplyChannel, TicketAction, TicketDetails, TicketEvent } from './contracts';
import type { Queryable } from './db/database';
import type { Access } from './ticket-access';
import { type TicketRow, toSummary } from './ticket-rows';

export interface RatingRow {
  stars: number;
  comment: string | null;
  created_at: Date;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** A resolved ticket can be rated or reopened until the rating window has passed. */
export function withinRatingWindow(row: TicketRow, now: Date, windowDays: number): boolean {
  return row.resolved_at !== null && now.getTime() - row.resolved_at.getTime() < windowDays * DAY_MS;
}

/**
 * F7: what the viewer may do now. Anyone who sees a ticket may follow its queue, add a supplement
 * and share it; deciding its fate (cancel, rate, reopen) is for its author or an organization-wide
 * identity; drafts are visible to their author only.
 */
export function computeActions(
  row: TicketRow,
  access: Access,
  rated: boolean,
  now: Date,
  windowDays: number,
): TicketAction[] {
  const manage = (actions: TicketAction[]) => (access.manager ? actions : []);
  switch (row.status) {
    case 'draft':
      return access.owner ? ['submit', 'edit', 'delete'] : [];
    case 'waiting':
      return ['queue', ...manage(['cancel']), 'supplement', 'share'];
    case 'in_progress':
      return ['supplement', 'share'];
    case 'resolved':
      return !rated && withinRatingWindow(row, now, windowDays)
        ? [...manage(['rate', 'reopen']), 'share']
        : ['share'];
    default:
      return [];
  }
}

/**
 * Where progress goes names the author's own chat user id: only the author (and staff) see it;
 * colleagues who may view the ticket learn only that it goes to a chat.
 */
function replyChannelFor(channel: ReplyChannel | null, access: Access | 'staff'): ReplyChannel | null {
  if (!channel || access === 'staff' || access.owner || channel.kind !== 'chat') return channel;
  return { kind: 'chat', channel: channel.channel, chatUserId: '' };
}

/** The full details: timeline with actor names, attachments, rating and who accepted it. */
export async function loadDetails(
  db: Queryable,
  row: TicketRow,
  access: Access | 'staff',
  now: Date,
  windowDays: number,
): Promise<TicketDetails> {
  const [events, attachments, ratings, accepted] = await Promise.all([
    db.query<{
      id: number;
      kind: string;
      actor_type: TicketEvent['actorType'];
      actor_name: string | null;
      data: Record<string, unknown>;
      created_at: Date;
    }>(
      `select e.id, e.kind, e.actor_type, e.data, e.created_at,
              case e.actor_type when 'staff' then s.name when 'customer' then i.display_name end as actor_name
         from ticket_events e
         left join staff s on e.actor_type = 'staff' and s.id = e.actor_id
         left join identities i on e.actor_type = 'customer' and i.id = e.actor_id
        where e.ticket_id = $1
        order by e.id`,
      [row.id],
    ),
    db.query<Attachment>(
      `select id, name, content_type as "contentType", size, url from ticket_attachments
        where ticket_id = $1 order by created_at, id`,
      [row.id],
    ),
    db.query<RatingRow>('select stars, comment, created_at from ticket_ratings where ticket_id = $1', [
      row.id,
    ]),
    row.accepted_by
      ? db.query<{ id: string; name: string }>('select id, name from staff where id = $1', [row.accepted_by])
      : Promise.resolve({ rows: [] as { id: string; name: string }[] }),
  ]);
  const rating = ratings.rows[0];
  return {
    ...toSummary(row),
    description: row.description,
    category: row.category,
    queue: row.queue,
    replyChannel: replyChannelFor(row.reply_channel, access),
    identityId: row.identity_id,
    organizationId: row.organization_id,
    submittedAt: row.submitted_at,
    acceptedAt: row.accepted_at,
    acceptedBy: accepted.rows[0] ?? null,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    closedAt: row.closed_at,
    rating: rating ? { stars: rating.stars, comment: rating.comment, createdAt: rating.created_at } : null,
    attachments: attachments.rows,
    timeline: events.rows.map((e) => ({
      id: e.id,
      kind: e.kind,
      actorType: e.actor_type,
      actorName: e.actor_name,
      data: e.data,
      createdAt: e.created_at,
    })),
    actions: access === 'staff' ? [] : computeActions(row, access, rating !== undefined, now, windowDays),
  };
}
