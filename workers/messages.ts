import { formatDateTime, type Locale, t as renderNotification } from '../i18n';
import type { ChatOrigin } from '../services/contracts';
import type { MessageAction, OutboundMessage, SmsContent } from './senders/types';

/**
 * What a notification says, before rendering: the kind, the recipient's locale and the raw facts
 * (ticket number, title, reply text ...). It travels in the delivery job; the text is rendered right
 * before sending, so a secret (password, code) is read from the outbox row at that moment and never
 * sits in Redis.
 */
export type MessageKind =
  | 'ticket.accepted'
  | 'ticket.replied'
  | 'ticket.resolved'
  | 'ticket.closed'
  | 'ticket.reopened'
  | 'ticket.cancelled'
  | 'ticket.queue'
  | 'ticket.rating_reminder'
  | 'ticket.shared'
  | 'staff.ticket_waiting'
  | 'staff.rating'
  | 'staff.supplement'
  | 'account.opened'
  | 'account.reset'
  | 'code';

export interface MessageSpec {
  kind: MessageKind;
  locale: Locale;
  ticket?: { id: string; number: string | null; title: string };
  /** The customer's identity the ticket belongs to (organization · name), said with the news. */
  identity?: string;
  /** Raw, non-secret facts; localized while rendering (priority, dates, purpose). */
  params: Record<string, string | number | null>;
  highlight?: boolean;
  /** The chat whose request caused this message (a one-time code): development panel only. */
  origin?: ChatOrigin;
}

/** Kinds whose text carries the outbox row's `secret`. */
export const SECRET_KINDS: ReadonlySet<MessageKind> = new Set(['account.opened', 'account.reset', 'code']);

/** How long a one-time code stays valid (services/codes.ts issues them for 10 minutes). */
const CODE_MINUTES = 10;

export function composeMessage(
  key: string,
  spec: MessageSpec,
  secret: Record<string, string> = {},
): OutboundMessage {
  const { locale } = spec;
  const r = (k: string, extra: Record<string, string | number | null> = {}) =>
    renderNotification(locale, k, { ...params, ...extra });
  const none = renderNotification(locale, 'notify.none');
  const params: Record<string, string | number | null> = {
    ...spec.params,
    number: spec.ticket?.number ?? spec.params.number ?? '',
    title: spec.ticket?.title ?? spec.params.title ?? '',
  };
  const ticketId = spec.ticket?.id;
  // Values the main dialog routes from anywhere (dialogs/main.ts), so a button on an old message still works.
  const action = (label: string, name: string, op?: string): MessageAction => ({
    label: renderNotification(locale, label),
    value: op ? { action: name, op, ticketId } : { action: name, ticketId },
  });
  const view = () => action('notify.action.view', 'open_ticket');
  const hintView = () => r('notify.hint.view');
  const notice = (status: string): SmsContent => ({
    template: 'notice',
    params: { number: String(params.number), status },
  });

  let title: string;
  let text: string;
  let actions: MessageAction[] = [];
  let hints: string[] = [];
  let sms: SmsContent;

  switch (spec.kind) {
    case 'ticket.accepted':
    case 'ticket.replied':
    case 'ticket.closed':
    case 'ticket.reopened':
    case 'ticket.cancelled': {
      const change = spec.kind.slice('ticket.'.length);
      title = r(`notify.ticket.${change}.title`);
      text = r(`notify.ticket.${change}.body`, {
        staff: params.staff ?? renderNotification(locale, 'notify.staff.someone'),
        text: params.text ?? none,
      });
      actions = [view()];
      hints = [hintView()];
      sms = notice(renderNotification(locale, `notify.status.${change}`));
      break;
    }
    case 'ticket.resolved':
      title = r('notify.ticket.resolved.title');
      text = r('notify.ticket.resolved.body', { resolution: params.resolution ?? none });
      actions = [
        action('notify.action.rate', 'rate'),
        action('notify.action.reopen', 'ticket_action', 'reopen'),
        view(),
      ];
      hints = [r('notify.hint.rate'), hintView()];
      sms = notice(renderNotification(locale, 'notify.status.resolved'));
      break;
    case 'ticket.queue': {
      const position = Number(params.position);
      title = r('notify.ticket.queue.title');
      text =
        position <= 1
          ? r('notify.ticket.queue.next.body')
          : r('notify.ticket.queue.body', { ahead: position - 1 });
      actions = [action('notify.action.queue', 'ticket_action', 'queue'), view()];
      hints = [hintView()];
      sms = notice(renderNotification(locale, 'notify.status.queue', { position }));
      break;
    }
    case 'ticket.rating_reminder':
      title = r('notify.ticket.rating_reminder.title');
      text = r('notify.ticket.rating_reminder.body', {
        resolvedAt: params.resolvedAt ? formatDateTime(locale, String(params.resolvedAt)) : none,
      });
      actions = [action('notify.action.rate', 'rate'), view()];
      hints = [r('notify.hint.rate'), hintView()];
      sms = notice(renderNotification(locale, 'notify.status.rating_reminder'));
      break;
    case 'ticket.shared':
      title = r('notify.ticket.shared.title', {
        sharedBy: params.sharedBy ?? renderNotification(locale, 'notify.colleague'),
      });
      text = r('notify.ticket.shared.body');
      actions = [view()];
      hints = [hintView()];
      sms = notice(renderNotification(locale, 'notify.status.shared'));
      break;
    case 'staff.ticket_waiting':
      title = r('notify.staff.ticket_waiting.title');
      text = r('notify.staff.ticket_waiting.body', {
        priority: params.priority ? renderNotification(locale, `notify.priority.${params.priority}`) : none,
        category: params.category ?? none,
      });
      actions = [action('notify.action.accept', 'staff_accept'), action('notify.action.open', 'staff_open')];
      sms = notice(renderNotification(locale, 'notify.status.queue', { position: params.position ?? '?' }));
      break;
    case 'staff.rating':
      title = spec.highlight ? r('notify.staff.rating.low.title') : r('notify.staff.rating.title');
      text = r('notify.staff.rating.body', {
        staff: params.staff ?? renderNotification(locale, 'notify.staff.someone'),
        comment: params.comment || none,
      });
      actions = [action('notify.action.open', 'staff_open')];
      sms = notice(title);
      break;
    case 'staff.supplement':
      title = r('notify.staff.supplement.title');
      text = r('notify.staff.supplement.body', { text: params.text ?? none });
      actions = [action('notify.action.open', 'staff_open')];
      sms = notice(title);
      break;
    case 'account.opened':
    case 'account.reset': {
      const reason = spec.kind === 'account.opened' ? 'opened' : 'reset';
      const password = secret.password ?? '';
      title = r(`notify.account.${reason}.title`);
      text = r(`notify.account.${reason}.body`, { password });
      hints = [r('notify.hint.sign_in')];
      sms = { template: 'credentials', params: { account: String(params.login ?? ''), password } };
      break;
    }
    case 'code': {
      const purpose = renderNotification(locale, `notify.code.purpose.${params.purpose}`);
      const code = secret.code ?? '';
      title = r('notify.code.title', { purpose });
      text = r('notify.code.body', { purpose, code, minutes: CODE_MINUTES });
      sms = { template: 'code', params: { code, minutes: String(CODE_MINUTES) } };
      break;
    }
  }
  // A customer with several identities (one per organization) hears which one the news is about.
  if (spec.identity) text = `${r('notify.identity', { identity: spec.identity })}\n${text}`;
  return {
    key,
    locale,
    title,
    text,
    hints,
    actions,
    highlight: spec.highlight ?? false,
    sms,
    ticket: spec.ticket,
    ...(spec.origin ? { origin: spec.origin } : {}),
  };
}
