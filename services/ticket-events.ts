import type { Queryable } from './db/database';

export type ActorRef = { type: 'customer'; id: string } | { type: 'staff'; id: string } | { type: 'system' };

/** Appends one timeline entry; returns its id (carried by the outbox event that announces it). */
export async function appendEvent(
  tx: Queryable,
  ticketId: string,
  kind: string,
  actor: ActorRef,
  data: Record<string, unknown>,
  at: Date,
): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    `insert into ticket_events (ticket_id, kind, actor_type, actor_id, data, created_at)
     values ($1, $2, $3, $4, $5::jsonb, $6) returning id`,
    [ticketId, kind, actor.type, actor.type === 'system' ? null : actor.id, JSON.stringify(data), at],
  );
  return rows[0]!.id;
}
