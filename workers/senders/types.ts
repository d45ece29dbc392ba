import type { AppContext } from '../../app/context';
import type { ActionValue } from '../../dialogs/replies';
import type { Locale } from '../../i18n/types';
import type { ChatChannel, ChatOrigin } from '../../services/contracts';

/**
 * The seam between the notification processors and the outside world. A processor decides WHO hears
 * about an event, through WHICH channel, and renders one `OutboundMessage`; a sender only delivers it.
 *
 * Every channel implements one of these interfaces. Chat channels (web, Teams, WeCom, WeChat KF) are
 * looked up in a registry keyed by channel, so the Teams and WeCom senders plug in without touching the
 * processors: write a `ChatSenderFactory` and add it to `workers/senders/index.ts`.
 */

/** Where a message goes. `channel` on chat addresses is our ChatChannel ('teams', never 'msteams'). */
export type Address =
  /** A customer's chat user, as bound (chat_bindings row). */
  | { kind: 'chat'; channel: ChatChannel; chatUserId: string; conversationRef: unknown }
  /** A staff member in WeCom (wecomUserId) or Teams (teamsUserId). */
  | { kind: 'staff'; channel: 'teams' | 'wecom'; staffId: string; userId: string }
  /** The configured staff group chat: Teams conversation (TEAMS_STAFF_*) or WeCom group robot. */
  | { kind: 'staff_group'; channel: 'teams' | 'wecom' }
  | { kind: 'sms'; phone: string }
  | { kind: 'email'; address: string; name?: string };

export type ChatAddress = Exclude<Address, { kind: 'sms' } | { kind: 'email' }>;

/** A next step offered with a notification (rate, view, accept ...). */
export interface MessageAction {
  /** Short label (<= 20 characters), already localized. */
  label: string;
  /** What pressing it sends back into the bot, like a dialogs Choice value. */
  value: ActionValue;
  /** Where the same action can be done on the web, for channels without buttons (email). */
  url?: string;
}

/** Template parameters for SMS: providers only send pre-approved templates with positional values. */
export interface SmsContent {
  template: 'credentials' | 'code' | 'notice';
  /** Named values in template order (Tencent takes them positionally, Alibaba by name). */
  params: Record<string, string>;
}

/** One rendered notification, ready for any channel; every text is in `locale`. */
export interface OutboundMessage {
  /** Idempotency key of this delivery: stable across retries (use it as activity id / Message-ID). */
  key: string;
  locale: Locale;
  /** Headline: email subject, card title. */
  title: string;
  /** The body as plain text, complete on its own (the headline not repeated). */
  text: string;
  /** How to take the next step by typing, for channels without buttons (email, plain text). */
  hints: string[];
  actions: MessageAction[];
  /** Stands out (a low rating): red card, "!" prefix ... as the channel can. */
  highlight: boolean;
  sms: SmsContent;
  /** The ticket this is about, if any (for cards that link to it). */
  ticket?: { id: string; number: string | null; title: string };
  /** The chat whose request caused it (a one-time code): only the development senders use it. */
  origin?: ChatOrigin;
}

/** Thrown by a chat sender when the user cannot be reached there any more (bot removed, 48 h window closed). */
export class RecipientUnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RecipientUnreachableError';
  }
}

/** Thrown when retrying cannot help (a rejected template, an invalid number): the job fails at once. */
export class PermanentSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PermanentSendError';
  }
}

/** Thrown on throttling (429, provider frequency limits): retried after `retryAfterMs` rather than the backoff. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/** Delivers to chat users / staff on one chat channel. */
export interface ChatSender {
  readonly channel: ChatChannel;
  send(to: ChatAddress, message: OutboundMessage): Promise<void>;
}

export interface SmsSender {
  readonly provider: string;
  send(phone: string, message: OutboundMessage): Promise<void>;
}

export interface EmailSender {
  send(to: { address: string; name?: string }, message: OutboundMessage): Promise<void>;
  close?(): Promise<void>;
}

/**
 * Builds the sender of a chat channel for this process, or undefined when the channel is not configured
 * (its deliveries then fall back to SMS/email). Called once at worker start.
 */
export type ChatSenderFactory = (ctx: AppContext) => ChatSender | undefined | Promise<ChatSender | undefined>;

/** Every sender the delivery processor can use. */
export interface Senders {
  chat: Partial<Record<ChatChannel, ChatSender>>;
  sms: SmsSender;
  email: EmailSender | undefined;
}
