import type { Queryable } from './db/database';

/**
 * What the domain announces through the outbox. Each event is written in the same transaction as
 * the change it announces; workers relay it to the job queue and deliver it.
 * Payloads carry ids and the facts a sender needs. A secret a customer must receive (an initial
 * password, a one-time code) rides in `secret` and is erased from the row once delivered.
 */
export type OutboxEvent =
  /** F1: credentials for a new account, or a staff password reset. */
  | {
      topic: 'account.credentials';
      accountId: string;
      reason: 'opened' | 'reset';
      secret: { password: string };
    }
  /** F2b / F11 / F13: a one-time code to a phone or email. */
  | {
      topic: 'code.requested';
      purpose: CodePurpose;
      target: { kind: 'sms' | 'email'; address: string };
      locale: string;
      /** The chat that asked (development panel only). */
      origin?: { channel: 'web' | 'teams' | 'wecom' | 'wechat_kf'; chatUserId: string };
      secret: { code: string };
    }
  /** F9: a change the customer hears about through the ticket's reply channel. */
  | {
      topic: 'ticket.changed';
      ticketId: string;
      eventId: number;
      change: 'accepted' | 'replied' | 'resolved' | 'closed' | 'reopened' | 'cancelled';
    }
  /** F7: the ticket was shared with another identity of its organization, who is told. */
  | { topic: 'ticket.shared'; ticketId: string; identityId: string; eventId: number }
  /** F8/F9: the ticket's queue position crossed a milestone (10, 5, next). */
  | { topic: 'ticket.queue_milestone'; ticketId: string; position: number }
  /** F9: a day after resolution without a rating. */
  | { topic: 'ticket.rating_reminder'; ticketId: string }
  /** S2: a new ticket is waiting. */
  | { topic: 'staff.ticket_waiting'; ticketId: string }
  /** S2 / F10: a rating arrived; low ratings (<= 2) stand out. */
  | { topic: 'staff.rating_received'; ticketId: string; stars: number; low: boolean }
  /** S2: the customer added a supplement to a ticket a staff member has accepted. */
  | { topic: 'staff.ticket_supplemented'; ticketId: string; eventId: number };

export type OutboxTopic = OutboxEvent['topic'];
export type CodePurpose = 'sign_in' | 'reset_password' | 'contact_change';

/**
 * The order an event keeps: events of one lane are processed one after the other, in the order they
 * were written (F9: a customer hears of one ticket's changes in the order they happened, whatever the
 * channel and its rate limits). A ticket's customer news and its staff alerts are separate lanes (other
 * recipients, so neither waits for the other); codes and credentials have none and never wait.
 */
export function laneOf(event: OutboxEvent): string | null {
  switch (event.topic) {
    case 'ticket.changed':
    case 'ticket.queue_milestone':
    case 'ticket.rating_reminder':
    case 'ticket.shared':
      return `ticket:${event.ticketId}`;
    case 'staff.ticket_waiting':
    case 'staff.rating_received':
    case 'staff.ticket_supplemented':
      return `staff:${event.ticketId}`;
    case 'account.credentials':
    case 'code.requested':
      return null;
  }
}

/** Writes an event to the outbox inside the caller's transaction. Returns the outbox id. */
export async function enqueue(tx: Queryable, event: OutboxEvent): Promise<number> {
  const { topic, ...payload } = event;
  const { rows } = await tx.query<{ id: number }>(
    'insert into outbox (topic, payload, lane) values ($1, $2::jsonb, $3) returning id',
    [topic, JSON.stringify(payload), laneOf(event)],
  );
  return rows[0]!.id;
}
