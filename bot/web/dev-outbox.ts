import type { ChatOrigin } from '../../services/contracts';

/**
 * Development only: the last messages the log SMS/email senders "sent" (one-time codes), kept in this
 * process's memory so the web chat's dev panel can show them to the browser that caused them, and to
 * nobody else. A message nobody's chat asked for (an account opened by staff) is not kept at all.
 * The senders call `recordDevMessage`; nothing is recorded when NODE_ENV is production.
 */
export interface DevMessage {
  /** Phone number or email address the message was for. */
  to: string;
  text: string;
  /** 'sms' | 'email' or whatever the sender says. */
  via?: string;
  at: string;
}

const CAPACITY = 200;
const ring: (DevMessage & { origin: string })[] = [];

const originKey = (origin: ChatOrigin) => `${origin.channel}:${origin.chatUserId}`;

export function recordDevMessage(message: {
  to: string;
  text: string;
  via?: string;
  origin?: ChatOrigin;
}): void {
  if (process.env.NODE_ENV === 'production' || !message.origin) return;
  ring.push({
    to: String(message.to),
    text: String(message.text),
    via: message.via,
    at: new Date().toISOString(),
    origin: originKey(message.origin),
  });
  if (ring.length > CAPACITY) ring.splice(0, ring.length - CAPACITY);
}

/** The messages this chat caused, newest first. */
export function latestDevMessages(origin: ChatOrigin, limit = 20): DevMessage[] {
  const key = originKey(origin);
  return ring
    .filter((m) => m.origin === key)
    .slice(-limit)
    .reverse()
    .map(({ origin: _origin, ...message }) => message);
}

export function clearDevMessages(): void {
  ring.length = 0;
}
