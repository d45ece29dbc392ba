import type { AppContext } from '../app/context';
import { resolveLocale } from '../i18n';
import type { Locale } from '../i18n/types';
import type { Account, ChatChannel, ReplyChannel } from '../services/contracts';
import { isDomainError } from '../services/errors';
import type { OutboxEvent } from '../services/events';
import { type NotificationFacts, notificationFacts, shareRecipient } from '../services/notification-facts';
import type { MessageSpec } from './messages';
import type { DeliveryChannel, PlannedDelivery } from './queues';
import type { Address, Senders } from './senders/types';

/** An outbox row as the processors read it. */
export interface OutboxRow {
  id: number;
  event: OutboxEvent;
  createdAt: Date;
}

export type { PlannedDelivery } from './queues';

export interface PlanContext {
  ctx: AppContext;
  senders: Senders;
}

/**
 * Who hears about an outbox event, through which channel, in which language. Reads the ticket, its
 * customer and binding fresh (services/notification-facts.ts, one query; never trusting the payload
 * for facts that may have changed) and the staff and accounts through the services, and
 * returns one planned delivery per (recipient, channel). Nothing here sends; running it twice for the
 * same row gives the same keys, so the delivery stage drops repeats.
 */
export async function planDeliveries(pc: PlanContext, row: OutboxRow): Promise<PlannedDelivery[]> {
  const event = row.event;
  try {
    switch (event.topic) {
      case 'ticket.changed':
      case 'ticket.queue_milestone':
      case 'ticket.rating_reminder':
        return await planCustomer(pc, row.id, event);
      case 'ticket.shared':
        return await planShared(pc, row.id, event);
      case 'staff.ticket_waiting':
      case 'staff.rating_received':
      case 'staff.ticket_supplemented':
        return await planStaff(pc, row.id, event);
      case 'account.credentials':
        return await planCredentials(pc, row.id, event);
      case 'code.requested':
        return planCode(pc, row.id, event);
    }
  } catch (error) {
    // The ticket or account is gone (deleted draft, removed account): nobody to tell, nothing to retry.
    if (isDomainError(error, 'not_found')) return [];
    throw error;
  }
}

type CustomerEvent = Extract<
  OutboxEvent,
  { topic: 'ticket.changed' | 'ticket.queue_milestone' | 'ticket.rating_reminder' }
>;

async function planCustomer(
  pc: PlanContext,
  outboxId: number,
  event: CustomerEvent,
): Promise<PlannedDelivery[]> {
  // One query for the ticket, the event's timeline entry, the customer and the reply channel's binding.
  const facts = await notificationFacts(
    pc.ctx.db,
    event.ticketId,
    event.topic === 'ticket.changed' ? event.eventId : undefined,
  );
  // The ticket is gone (or a draft), or its identity was unbound: nobody to tell.
  if (!facts?.customer) return [];
  const { ticket, customer: account } = facts;
  // Time-driven news that is no longer true when we get to it is dropped, not sent late.
  if (event.topic === 'ticket.queue_milestone' && ticket.status !== 'waiting') return [];
  if (event.topic === 'ticket.rating_reminder' && (ticket.status !== 'resolved' || ticket.rating)) return [];
  const routes = customerRoutes(pc, account, ticket.replyChannel, facts.replyBinding);
  return deliveriesTo(outboxId, routes, account.id, (locale) => customerSpec(pc, event, facts, locale));
}

/** One planned delivery per route; a chat delivery falls back to the account's SMS/email if unreachable. */
function deliveriesTo(
  outboxId: number,
  routes: Route[],
  accountId: string,
  specFor: (locale: Locale) => MessageSpec,
): PlannedDelivery[] {
  return routes.map((route) => ({
    outboxId,
    key: deliveryKey(outboxId, route.recipient, route.channel),
    channel: route.channel,
    to: route.to,
    spec: specFor(route.locale),
    fallbackAccountId: route.to.kind === 'chat' ? accountId : undefined,
  }));
}

function customerSpec(
  pc: PlanContext,
  event: CustomerEvent,
  facts: NotificationFacts,
  locale: Locale,
): MessageSpec {
  const { ticket } = facts;
  // Which of the customer's identities this is about: a chat may be acting as another one by now.
  const identity = [ticket.organizationName, facts.customer?.identityName].filter(Boolean).join(' · ');
  const base = {
    locale,
    ticket: { id: ticket.id, number: ticket.number, title: ticket.title },
    ...(identity ? { identity } : {}),
  };
  if (event.topic === 'ticket.queue_milestone') {
    return { ...base, kind: 'ticket.queue', params: { position: event.position } };
  }
  if (event.topic === 'ticket.rating_reminder') {
    return {
      ...base,
      kind: 'ticket.rating_reminder',
      params: { resolvedAt: ticket.resolvedAt?.toISOString() ?? null },
    };
  }
  const params: MessageSpec['params'] = {};
  if (event.change === 'accepted') params.staff = ticket.acceptedBy?.name ?? null;
  if (event.change === 'replied') params.text = textOf(facts.eventData?.text);
  if (event.change === 'resolved') {
    // The handling reply as it was when resolved (the event), else the ticket's current one.
    params.resolution = textOf(facts.eventData?.resolution) ?? ticket.resolution;
    params.days = pc.ctx.config.RATING_WINDOW_DAYS;
  }
  return { ...base, kind: `ticket.${event.change}`, params };
}

const textOf = (value: unknown): string | null => (typeof value === 'string' ? value : null);

type SharedEvent = Extract<OutboxEvent, { topic: 'ticket.shared' }>;

/**
 * F7: the colleague a ticket was shared with hears of it in the chat where that identity is active
 * (there the View button opens it), else by email or SMS. Nobody is told once that identity is unbound.
 */
async function planShared(pc: PlanContext, outboxId: number, event: SharedEvent): Promise<PlannedDelivery[]> {
  const facts = await notificationFacts(pc.ctx.db, event.ticketId);
  const recipient = facts && (await shareRecipient(pc.ctx.db, event.identityId, event.ticketId));
  if (!facts || !recipient) return [];
  const { account, binding } = recipient;
  const routes =
    binding && pc.senders.chat[binding.channel]
      ? [chatRoute(pc, account, binding)]
      : accountFallback(pc, account);
  const { ticket } = facts;
  return deliveriesTo(outboxId, routes, account.id, (locale) => ({
    kind: 'ticket.shared',
    locale,
    ticket: { id: ticket.id, number: ticket.number, title: ticket.title },
    params: { sharedBy: recipient.sharedBy },
  }));
}

interface Route {
  channel: DeliveryChannel;
  to: Address;
  /** Identifies the person, independent of channel: part of the idempotency key. */
  recipient: string;
  locale: Locale;
}

/**
 * The ticket's reply channel (F5), or the account's SMS/email when that chat cannot be used: the user
 * signed out of it, the bot was removed (binding unreachable), or this deployment has no sender for it.
 */
function customerRoutes(
  pc: PlanContext,
  account: Recipient,
  reply: ReplyChannel | null,
  binding: NotificationFacts['replyBinding'],
): Route[] {
  if (reply?.kind === 'chat') {
    // The binding the reply channel names, used only while it is still this account's and reachable.
    if (binding?.reachable && binding.accountId === account.id && pc.senders.chat[reply.channel]) {
      return [
        chatRoute(pc, account, {
          ...reply,
          locale: binding.locale,
          conversationRef: binding.conversationRef,
        }),
      ];
    }
    return accountFallback(pc, account);
  }
  if (reply?.kind === 'sms' && account.phone) return [smsRoute(pc, account)];
  if (reply?.kind === 'email' && account.email && pc.senders.email) return [emailRoute(pc, account)];
  return accountFallback(pc, account);
}

/** A chat of the account's: written to in the chat's own language, else the account's. */
function chatRoute(
  pc: PlanContext,
  account: Recipient,
  chat: { channel: ChatChannel; chatUserId: string; locale: string | null; conversationRef: unknown },
): Route {
  return {
    channel: chat.channel,
    to: {
      kind: 'chat',
      channel: chat.channel,
      chatUserId: chat.chatUserId,
      conversationRef: chat.conversationRef,
    },
    recipient: `chat:${chat.channel}:${chat.chatUserId}`,
    // The language chosen in that chat, else the one its client speaks (the reference's), else the account's.
    locale: resolveLocale(
      chat.locale ?? referenceLocale(chat.conversationRef) ?? account.locale ?? pc.ctx.config.DEFAULT_LOCALE,
    ),
  };
}

/** The client's locale as the chat's stored conversation reference has it (botbuilder's `locale`). */
function referenceLocale(reference: unknown): string | undefined {
  const locale = (reference as { locale?: unknown } | null | undefined)?.locale;
  return typeof locale === 'string' && locale.trim() !== '' ? locale : undefined;
}

/** What routing needs of an account. */
type Recipient = Pick<Account, 'id' | 'phone' | 'email' | 'name' | 'locale'>;

/** Where an account hears from us outside chat: email (carries the full text) first, else SMS. */
export function accountFallback(pc: PlanContext, account: Recipient): Route[] {
  if (account.email && pc.senders.email) return [emailRoute(pc, account)];
  if (account.phone) return [smsRoute(pc, account)];
  return [];
}

const accountLocale = (pc: PlanContext, account: Recipient) =>
  resolveLocale(account.locale ?? pc.ctx.config.DEFAULT_LOCALE);

function smsRoute(pc: PlanContext, account: Recipient): Route {
  return {
    channel: 'sms',
    to: { kind: 'sms', phone: account.phone! },
    recipient: `account:${account.id}`,
    locale: accountLocale(pc, account),
  };
}

function emailRoute(pc: PlanContext, account: Recipient): Route {
  return {
    channel: 'email',
    to: { kind: 'email', address: account.email!, name: account.name },
    recipient: `account:${account.id}`,
    locale: accountLocale(pc, account),
  };
}

/** Fallback deliveries for a chat delivery that turned out unreachable (same event, same message). */
export async function planFallback(pc: PlanContext, failed: PlannedDelivery): Promise<PlannedDelivery[]> {
  if (!failed.fallbackAccountId) return [];
  const account = await pc.ctx.services.accounts.get(failed.fallbackAccountId);
  return accountFallback(pc, account).map((route) => ({
    outboxId: failed.outboxId,
    key: deliveryKey(failed.outboxId, route.recipient, route.channel),
    channel: route.channel,
    to: route.to,
    spec: { ...failed.spec, locale: route.locale },
  }));
}

type StaffEvent = Extract<
  OutboxEvent,
  { topic: 'staff.ticket_waiting' | 'staff.rating_received' | 'staff.ticket_supplemented' }
>;

/**
 * S2: staff alerts go to each staff member who wants them, in WeCom and/or Teams (by their ids), and to
 * the configured staff group (Teams channel conversation, WeCom group robot). A staff member with no
 * usable chat gets email. A rating alert goes to the staff member who handled the ticket; a
 * customer's supplement goes to that staff member only (the group hears of new tickets and ratings).
 */
async function planStaff(pc: PlanContext, outboxId: number, event: StaffEvent): Promise<PlannedDelivery[]> {
  const { services, config } = pc.ctx;
  const facts = await notificationFacts(
    pc.ctx.db,
    event.ticketId,
    event.topic === 'staff.ticket_supplemented' ? event.eventId : undefined,
  );
  if (!facts) return [];
  const { ticket } = facts;
  const locale = resolveLocale(config.DEFAULT_LOCALE);
  const base = { locale, ticket: { id: ticket.id, number: ticket.number, title: ticket.title } };
  let spec: MessageSpec;
  let staff = (await services.staff.list()).filter((s) => s.active);
  if (event.topic === 'staff.ticket_waiting') {
    if (ticket.status !== 'waiting') return [];
    spec = {
      ...base,
      kind: 'staff.ticket_waiting',
      params: {
        organization: ticket.organizationName ?? '',
        priority: ticket.priority,
        category: ticket.category,
      },
    };
    staff = staff.filter((s) => s.alertNewTicket);
  } else if (event.topic === 'staff.ticket_supplemented') {
    // Nobody to tell once the ticket is finished or no longer accepted by anyone.
    if (ticket.status !== 'in_progress' && ticket.status !== 'resolved') return [];
    spec = { ...base, kind: 'staff.supplement', params: { text: textOf(facts.eventData?.text) } };
    staff = staff.filter((s) => s.id === ticket.acceptedBy?.id);
  } else {
    spec = {
      ...base,
      kind: 'staff.rating',
      highlight: event.low,
      params: {
        stars: event.stars,
        comment: ticket.rating?.comment ?? null,
        staff: ticket.acceptedBy?.name ?? null,
      },
    };
    staff = staff.filter((s) => s.alertRating && s.id === ticket.acceptedBy?.id);
  }
  const planned: PlannedDelivery[] = [];
  const add = (channel: DeliveryChannel, to: Address, recipient: string) =>
    planned.push({ outboxId, key: deliveryKey(outboxId, recipient, channel), channel, to, spec });
  for (const member of staff) {
    let reached = false;
    if (member.teamsUserId && pc.senders.chat.teams) {
      add(
        'teams',
        { kind: 'staff', channel: 'teams', staffId: member.id, userId: member.teamsUserId },
        `staff:${member.id}`,
      );
      reached = true;
    }
    if (member.wecomUserId && pc.senders.chat.wecom) {
      add(
        'wecom',
        { kind: 'staff', channel: 'wecom', staffId: member.id, userId: member.wecomUserId },
        `staff:${member.id}`,
      );
      reached = true;
    }
    if (!reached && member.email && pc.senders.email) {
      add('email', { kind: 'email', address: member.email, name: member.name }, `staff:${member.id}`);
    }
  }
  if (event.topic === 'staff.ticket_supplemented') return planned;
  if (config.TEAMS_STAFF_CONVERSATION_ID && pc.senders.chat.teams) {
    add('teams', { kind: 'staff_group', channel: 'teams' }, 'staff_group');
  }
  if (config.WECOM_STAFF_ROBOT_KEY && pc.senders.chat.wecom) {
    add('wecom', { kind: 'staff_group', channel: 'wecom' }, 'staff_group');
  }
  return planned;
}

type CredentialsEvent = Extract<OutboxEvent, { topic: 'account.credentials' }>;

/** F1: the account and its initial password by SMS to the login phone and by email where one is given. */
async function planCredentials(
  pc: PlanContext,
  outboxId: number,
  event: CredentialsEvent,
): Promise<PlannedDelivery[]> {
  const account = await pc.ctx.services.accounts.get(event.accountId);
  const locale = accountLocale(pc, account);
  const kind = event.reason === 'opened' ? 'account.opened' : 'account.reset';
  const planned: PlannedDelivery[] = [];
  const routes = [
    ...(account.phone ? [smsRoute(pc, account)] : []),
    ...(account.email && pc.senders.email ? [emailRoute(pc, account)] : []),
  ];
  for (const route of routes) {
    const login = route.channel === 'sms' ? account.phone : account.email;
    planned.push({
      outboxId,
      key: deliveryKey(outboxId, route.recipient, route.channel),
      channel: route.channel,
      to: route.to,
      spec: { kind, locale, params: { name: account.name, login } },
    });
  }
  return planned;
}

type CodeEvent = Extract<OutboxEvent, { topic: 'code.requested' }>;

/** F2b/F11/F13: the code goes to exactly the address it was issued for (a new phone/email for a contact change). */
function planCode(pc: PlanContext, outboxId: number, event: CodeEvent): PlannedDelivery[] {
  const { kind, address } = event.target;
  if (kind === 'email' && !pc.senders.email) return [];
  const to: Address = kind === 'sms' ? { kind: 'sms', phone: address } : { kind: 'email', address };
  return [
    {
      outboxId,
      key: deliveryKey(outboxId, `${kind}:${address.toLowerCase()}`, kind),
      channel: kind,
      to,
      spec: {
        kind: 'code',
        locale: resolveLocale(event.locale),
        params: { purpose: event.purpose },
        ...(event.origin ? { origin: event.origin } : {}),
      },
    },
  ];
}

/** The idempotency key of one delivery: (outbox id, recipient, channel). */
export function deliveryKey(outboxId: number, recipient: string, channel: DeliveryChannel): string {
  return `o${outboxId}|${recipient}|${channel}`;
}
