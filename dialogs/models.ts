import { formatDateTime, hasMessage, t } from '../i18n';
import type {
  Figure,
  Priority,
  ReplyChannel,
  TicketDetails,
  TicketEvent,
  TicketStatus,
  TicketSummary,
} from '../services/contracts';
import type { ListItemModel, TicketCardModel } from './replies';

/** Localized labels for the domain's codes; unknown codes show as they are rather than fail. */
export const statusLabel = (locale: string, status: TicketStatus | string) =>
  label(locale, `status.${status}`, status);
export const priorityLabel = (locale: string, priority: Priority | string) =>
  label(locale, `priority.${priority}`, priority);
/** Categories come from TICKET_CATEGORIES; known ones have catalog labels, others show their code. */
export const categoryLabel = (locale: string, category: string) =>
  label(locale, `category.${category}`, category);

function label(locale: string, key: string, fallback: string): string {
  return hasMessage(key) ? t(locale, key) : fallback;
}

export function replyChannelLabel(
  locale: string,
  channel: ReplyChannel | null,
  current?: { channel: string; chatUserId: string },
): string {
  if (!channel) return t(locale, 'reply_channel.none');
  if (channel.kind === 'sms') return t(locale, 'reply_channel.sms');
  if (channel.kind === 'email') return t(locale, 'reply_channel.email');
  if (current && channel.channel === current.channel && channel.chatUserId === current.chatUserId) {
    return t(locale, 'reply_channel.this_chat');
  }
  return t(locale, 'reply_channel.chat', { channel: t(locale, `channel.${channel.channel}`) });
}

function eventText(locale: string, event: TicketEvent): string {
  const key = `event.${event.kind}`;
  const data = event.data ?? {};
  const text = hasMessage(key)
    ? t(locale, key, {
        actor: event.actorName ?? t(locale, `actor.${event.actorType}`),
        stars: typeof data.stars === 'number' ? data.stars : undefined,
        name: typeof data.name === 'string' ? data.name : undefined,
      })
    : event.kind;
  const detail =
    typeof data.text === 'string' ? data.text : typeof data.reason === 'string' ? data.reason : '';
  return detail ? `${text}${locale === 'en-US' ? ': ' : '：'}${detail}` : text;
}

/** The card of one ticket (F7): facts, description, handling reply, timeline (newest last, at most 10). */
export function ticketCard(
  locale: string,
  ticket: TicketDetails,
  current?: { channel: string; chatUserId: string },
): TicketCardModel {
  const facts: { label: string; value: string }[] = [];
  const fact = (key: string, value: string | null | undefined) => {
    if (value) facts.push({ label: t(locale, key), value });
  };
  fact('card.priority', ticket.priority ? priorityLabel(locale, ticket.priority) : t(locale, 'card.not_set'));
  fact('card.category', ticket.category ? categoryLabel(locale, ticket.category) : t(locale, 'card.not_set'));
  fact('card.reply_channel', replyChannelLabel(locale, ticket.replyChannel, current));
  fact('card.submitted_at', ticket.submittedAt ? formatDateTime(locale, ticket.submittedAt) : null);
  if (ticket.acceptedBy && ticket.acceptedAt) {
    fact(
      'card.accepted',
      t(locale, 'card.accepted_value', {
        name: ticket.acceptedBy.name,
        at: formatDateTime(locale, ticket.acceptedAt),
      }),
    );
  }
  fact('card.resolved_at', ticket.resolvedAt ? formatDateTime(locale, ticket.resolvedAt) : null);
  if (ticket.rating) {
    fact(
      'card.rating',
      `${'★'.repeat(ticket.rating.stars)}${'☆'.repeat(5 - ticket.rating.stars)}${ticket.rating.comment ? ` ${ticket.rating.comment}` : ''}`,
    );
  }
  if (ticket.attachments.length > 0)
    fact('card.attachments', ticket.attachments.map((a) => a.name).join(', '));
  fact('card.updated_at', formatDateTime(locale, ticket.updatedAt));
  const card: TicketCardModel = {
    id: ticket.id,
    number: ticket.number,
    title: ticket.title || t(locale, 'card.untitled'),
    status: ticket.status,
    statusLabel: statusLabel(locale, ticket.status),
    facts,
    description: ticket.description,
    timeline: ticket.timeline
      .slice(-10)
      .map((e) => ({ at: formatDateTime(locale, e.createdAt), text: eventText(locale, e) })),
  };
  if (ticket.resolution) card.resolution = ticket.resolution;
  return card;
}

/** A row of a ticket list (F6): number, title, status, last update. */
export function ticketListItem(locale: string, ticket: TicketSummary): ListItemModel {
  const number = ticket.number ?? t(locale, 'list.draft_no_number');
  return {
    id: ticket.id,
    title: ticket.title || t(locale, 'card.untitled'),
    subtitle: `${number} · ${statusLabel(locale, ticket.status)} · ${formatDateTime(locale, ticket.updatedAt)}`,
    open: { action: 'open_ticket', ticketId: ticket.id },
  };
}

/** A key figure's label (F4): "待受理" or, for the organization's figure, "本组织·待受理". */
export function figureLabel(locale: string, figure: Figure): string {
  const base = t(locale, `figure.${figure.key}`);
  return figure.scope === 'organization' ? t(locale, 'figure.organization', { label: base }) : base;
}

/** "Submitted: number, and your place in the queue" (a replayed submit of a ticket taken since: no place). */
export function submittedMessage(
  locale: string,
  ticket: { number: string | null },
  position: { position: number; waiting: number } | null,
): string {
  if (!position) return t(locale, 'ticket.submitted_no_queue', { number: ticket.number ?? '' });
  return t(locale, 'ticket.submitted', {
    number: ticket.number ?? '',
    position: position.position,
    waiting: position.waiting,
  });
}
