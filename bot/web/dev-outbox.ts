/**
 * Development only: the last messages the log SMS/email senders "sent" (codes, initial passwords),
 * kept in this process's memory so the web chat's dev panel can show them. The senders call
 * `recordDevMessage`; nothing is recorded when NODE_ENV is production.
 */
export interface DevMessage {
  /** Phone number or email address the message was for. */
  to: string;
  text: string;
  /** 'sms' | 'email' or whatever the sender says. */
  via?: string;
  at: string;
}

const CAPACITY = 50;
const ring: DevMessage[] = [];

export function recordDevMessage(message: { to: string; text: string; via?: string }): void {
  if (process.env.NODE_ENV === 'production') return;
  ring.push({
    to: String(message.to),
    text: String(message.text),
    via: message.via,
    at: new Date().toISOString(),
  });
  if (ring.length > CAPACITY) ring.splice(0, ring.length - CAPACITY);
}

/** Newest first. */
export function latestDevMessages(limit = 20): DevMessage[] {
  return ring.slice(-limit).reverse();
}

export function clearDevMessages(): void {
  ring.length = 0;
}
