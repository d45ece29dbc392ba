import { createHash } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import type { OutboxEvent } from '../services/events';
import { eraseSecretWhenDelivered } from './deliveries';
import { type OutboxRow, type PlanContext, type PlannedDelivery, planDeliveries, secretKeysOf } from './plan';
import { type DeliveryChannel, type DeliveryJobData, type EventJobData, jobOptions } from './queues';

export interface EventProcessorDeps extends PlanContext {
  sendQueues: Record<DeliveryChannel, Queue<DeliveryJobData>>;
}

/** BullMQ job ids may not contain ':' (chat user ids do): the key's hash stands in, the key rides in the data. */
export const deliveryJobId = (key: string) =>
  `d-${createHash('sha256').update(key).digest('hex').slice(0, 40)}`;

/**
 * Stage 1: an outbox event becomes delivery jobs, one per (recipient, channel), on the channel's send
 * queue. Safe to run again for the same row: same keys, same job ids.
 */
export async function processEvent(
  deps: EventProcessorDeps,
  job: Job<EventJobData>,
): Promise<{ planned: number }> {
  const { db } = deps.ctx;
  const { rows } = await db.query<{
    id: number;
    topic: OutboxEvent['topic'];
    payload: Record<string, unknown>;
    created_at: Date;
  }>('select id, topic, payload, created_at from outbox where id = $1', [job.data.outboxId]);
  const found = rows[0];
  if (!found) return { planned: 0 };
  // The event as the domain wrote it; the secret stays out of the job and is read again at send time.
  const { secret, ...payload } = found.payload;
  const row: OutboxRow = {
    id: found.id,
    event: { topic: found.topic, ...payload } as OutboxEvent,
    createdAt: found.created_at,
  };
  const planned = await planDeliveries(deps, row);
  await enqueueDeliveries(deps, planned, job.data.createdAt);
  const secretKeys = secretKeysOf(planned);
  // Nobody to send the secret to (no phone or email): it must not stay in the table. (Most events carry
  // none: no write for them.)
  if (secret != null && secretKeys.length === 0) await eraseSecretWhenDelivered(db, found.id, []);
  return { planned: planned.length };
}

export async function enqueueDeliveries(
  deps: EventProcessorDeps,
  planned: readonly PlannedDelivery[],
  createdAt: number,
): Promise<void> {
  const secretKeys = secretKeysOf(planned);
  const byChannel = new Map<DeliveryChannel, PlannedDelivery[]>();
  for (const p of planned) byChannel.set(p.channel, [...(byChannel.get(p.channel) ?? []), p]);
  await Promise.all(
    [...byChannel].map(([channel, list]) =>
      deps.sendQueues[channel].addBulk(
        list.map((p) => ({
          name: p.spec.kind,
          data: { ...p, secretKeys: secretKeys.includes(p.key) ? secretKeys : undefined, createdAt },
          opts: jobOptions(deps.ctx.config, deliveryJobId(p.key)),
        })),
      ),
    ),
  );
}
