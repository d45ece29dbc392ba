import { DelayedError, type Job, type Queue, UnrecoverableError } from 'bullmq';
import type { OutboxEvent, OutboxTopic } from '../services/events';
import { type DeliveryDeps, deliveredKeys, deliverOne } from './deliver';
import { SECRET_KINDS } from './messages';
import { type OutboxRow, type PlannedDelivery, planDeliveries } from './plan';
import { type EventJobData, type EventQueue, eventJobId, TOPIC_QUEUE } from './queues';

export interface EventProcessorDeps extends DeliveryDeps {
  /** The event queues, to see whether an older event of a lane failed for good. */
  eventQueues: Record<EventQueue, Queue<EventJobData>>;
}

export type EventResult =
  | { status: 'done'; delivered: number }
  | { status: 'already_processed' }
  | { status: 'stale' };

/** News older than this is not sent any more (a row whose job was lost and found again much later). */
const STALE_MS = 3 * 24 * 3600 * 1000;

interface LoadedRow {
  id: number;
  topic: OutboxEvent['topic'];
  payload: Record<string, unknown>;
  created_at: Date;
  lane: string | null;
  processed_at: Date | null;
  /** The oldest event of the same lane that is not processed yet, if any. */
  blocked_by: { id: number; topic: OutboxTopic } | null;
}

/**
 * One outbox event, one job: plan who hears of it (workers/plan.ts), then send each delivery in turn,
 * at most once each (the deliveries table), and mark the row processed. Safe to run again for the
 * same row at any point: recorded deliveries are skipped, a processed row is left alone.
 *
 * - Order (F9): an event of a lane (one ticket's customer news, or its staff alerts) waits while an
 *   older event of that lane is not processed: the customer hears of a ticket's changes in the order
 *   they happened, on every channel, whatever the providers' limits make each one wait.
 * - Limits: a delivery over a provider's limit waits for its window (the job is delayed, not an
 *   attempt) while the event's other deliveries go; the ones already sent stay recorded.
 * - Retries: a passing failure is retried with back-off after the other deliveries were tried; the
 *   plan is kept in the job then, so a retry never re-plans to recipients the first run did not have.
 *   A refusal for good is not retried; after the last attempt the row counts as processed (its lane
 *   goes on) and the job stays in the failed list with the reasons.
 * - Secrets (initial password, code) are read with the row, rendered at send time and erased from the
 *   row once the event is processed: they never travel through Redis.
 */
export async function processEvent(
  deps: EventProcessorDeps,
  job: Job<EventJobData>,
  token?: string,
): Promise<EventResult> {
  const { db } = deps.ctx;
  const row = await loadRow(deps, job.data.outboxId);
  if (!row || row.processed_at) return { status: 'already_processed' };
  if (deps.ctx.now().getTime() - row.created_at.getTime() > STALE_MS) {
    await markProcessed(deps, row.id);
    deps.ctx.logger.warn({ outboxId: row.id, topic: row.topic }, 'notification too old to send: dropped');
    return { status: 'stale' };
  }
  if (row.blocked_by !== null && !(await settleIfFailed(deps, row))) {
    // An older event of this lane is still on its way: wait for it, checking again soon.
    const waits = job.data.laneWaits ?? 0;
    await job.updateData({ ...job.data, laneWaits: waits + 1 });
    await job.moveToDelayed(Date.now() + Math.min(2000, 50 * 2 ** Math.min(waits, 6)), token);
    throw new DelayedError();
  }

  const { secret, ...payload } = row.payload;
  const plan: PlannedDelivery[] =
    job.data.plan ??
    (await planDeliveries(deps, {
      id: row.id,
      event: { topic: row.topic, ...payload } as OutboxEvent,
      createdAt: row.created_at,
    } satisfies OutboxRow));
  const refused: Record<string, string> = { ...job.data.refused };
  const done = await deliveredKeys(
    db,
    plan.map((p) => p.key),
  );
  const secretValues = (secret ?? undefined) as Record<string, string> | undefined;
  let failure: { error: Error; key: string } | undefined;
  // The soonest a delivery over a provider's limit may go; the others of the event go on meanwhile.
  let waitMs: number | undefined;
  let sent = 0;
  // Fallback deliveries are appended while going: the loop reads the plan's length each round.
  for (let i = 0; i < plan.length; i++) {
    const delivery = plan[i]!;
    if (done.has(delivery.key) || refused[delivery.key] !== undefined) continue;
    if (SECRET_KINDS.has(delivery.spec.kind) && !secretValues) {
      refused[delivery.key] = 'the secret of this event is no longer stored';
      continue;
    }
    // The last delivery of an event that went well so far also completes it, in the same statement.
    const last =
      !failure &&
      waitMs === undefined &&
      Object.keys(refused).length === 0 &&
      plan.slice(i + 1).every((p) => done.has(p.key));
    const outcome = await deliverOne(
      deps,
      delivery,
      secretValues,
      last ? { eraseSecret: secret !== undefined && secret !== null } : undefined,
    );
    if (outcome.status === 'sent' && last) {
      sent += 1;
      return { status: 'done', delivered: sent };
    }
    switch (outcome.status) {
      case 'sent':
        sent += 1;
        done.add(delivery.key);
        break;
      case 'wait':
        waitMs = Math.min(waitMs ?? outcome.ms, outcome.ms);
        break;
      case 'fell_back':
        // Not a refusal: the message goes another way. Marked so that a retry does not try the chat again.
        refused[delivery.key] = `fell back: ${outcome.reason}`;
        if (outcome.replacements.length === 0) {
          deps.ctx.logger.warn(
            { key: delivery.key, reason: outcome.reason },
            'delivery: unreachable, no fallback',
          );
        } else {
          deps.ctx.logger.info(
            { key: delivery.key, reason: outcome.reason, to: outcome.replacements.map((p) => p.channel) },
            'delivery: fell back',
          );
        }
        for (const replacement of outcome.replacements) {
          if (!plan.some((p) => p.key === replacement.key)) plan.push(replacement);
        }
        break;
      case 'refused':
        refused[delivery.key] = outcome.reason;
        deps.ctx.logger.warn({ key: delivery.key, reason: outcome.reason }, 'delivery refused for good');
        break;
      case 'failed':
        failure ??= { error: outcome.error, key: delivery.key };
        break;
    }
  }

  if (waitMs !== undefined) {
    // Back when the provider's window opens; what was sent is recorded and is not sent again.
    await job.updateData({ ...job.data, plan, refused });
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }
  const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
  if (failure && !lastAttempt) {
    await job.updateData({ ...job.data, plan, refused, failedKey: failure.key });
    throw failure.error;
  }
  // Everything was tried (or this was the last attempt): the row is done, its lane goes on.
  await markProcessed(deps, row.id, secret !== undefined && secret !== null);
  const refusals = Object.entries(refused).filter(([, reason]) => !reason.startsWith('fell back:'));
  if (failure) {
    await job.updateData({ ...job.data, plan, refused, failedKey: failure.key });
    throw failure.error;
  }
  if (refusals.length > 0) {
    await job.updateData({ ...job.data, plan, refused, failedKey: refusals[0]![0] });
    throw new UnrecoverableError(refusals.map(([, reason]) => reason).join('; '));
  }
  return { status: 'done', delivered: sent };
}

/** The row, its secret and whether an older event of its lane is still open, in one statement. */
async function loadRow(deps: EventProcessorDeps, outboxId: number): Promise<LoadedRow | undefined> {
  const { rows } = await deps.ctx.db.query<LoadedRow>(
    `select o.id, o.topic, o.payload, o.created_at, o.lane, o.processed_at,
            (select jsonb_build_object('id', e.id, 'topic', e.topic) from outbox e
              where o.lane is not null and e.lane = o.lane and e.id < o.id and e.processed_at is null
              order by e.id limit 1) as blocked_by
       from outbox o where o.id = $1`,
    [outboxId],
  );
  return rows[0];
}

/**
 * The older event this one waits for may never be processed: its job failed for good in a way that
 * could not mark it (the process died during its last attempt). Then it is settled here and the lane
 * goes on. True when nothing older blocks any more.
 */
async function settleIfFailed(deps: EventProcessorDeps, row: LoadedRow): Promise<boolean> {
  let blocker = row.blocked_by;
  while (blocker !== null) {
    const state = await deps.eventQueues[TOPIC_QUEUE[blocker.topic]].getJobState(eventJobId(blocker.id));
    if (state !== 'failed') return false;
    await markProcessed(deps, blocker.id, true);
    const again = await loadRow(deps, row.id);
    blocker = again?.blocked_by ?? null;
  }
  return true;
}

/** The row is done: its lane may go on, the relay stops handing it out, and its secret is erased. */
async function markProcessed(deps: EventProcessorDeps, outboxId: number, eraseSecret = false): Promise<void> {
  await deps.ctx.db.query(
    `update outbox set processed_at = $2 ${eraseSecret ? `, payload = payload - 'secret'` : ''}
      where id = $1 and processed_at is null`,
    [outboxId, deps.ctx.now()],
  );
}
