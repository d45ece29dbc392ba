import type { Queryable } from '../services/db/database';
import { composeMessage } from './messages';
import { type PlanContext, type PlannedDelivery, planFallback } from './plan';
import type { RecipientLimiter } from './rate-limits';
import type { Senders } from './senders/types';
import { PermanentSendError, RecipientUnreachableError } from './senders/types';

export interface DeliveryDeps extends PlanContext {
  limiter: RecipientLimiter;
  /** Called after each recorded delivery (the benchmark measures latency here). */
  onDelivered?: (delivery: PlannedDelivery) => void;
  /** Test seam: runs between a successful send and its record (to simulate a crash right there). */
  beforeRecord?: (delivery: PlannedDelivery) => Promise<void>;
}

/**
 * What became of one delivery:
 * - sent (and recorded);
 * - wait: over a provider limit for this recipient or channel, try again in `ms` (nothing counted
 *   as an attempt, nothing sent);
 * - fell_back: the chat cannot be reached; these deliveries to the account's SMS/email replace it;
 * - refused: the provider refused for good (a bad address, a rejected template): not retried;
 * - failed: a passing failure (timeout, 5xx, throttled): retried with back-off.
 */
export type DeliveryOutcome =
  | { status: 'sent' }
  | { status: 'wait'; ms: number }
  | { status: 'fell_back'; replacements: PlannedDelivery[]; reason: string }
  | { status: 'refused'; reason: string }
  | { status: 'failed'; error: Error };

/** The sender could not be found for this channel in this process (not configured). */
class NoSenderError extends RecipientUnreachableError {}

/**
 * One message to one recipient on one channel. The caller has checked that its key is not recorded
 * yet; this waits for the provider's limits, renders (the secret is passed in, read with the outbox
 * row, never from Redis), sends and records the key at once.
 * The only window for a duplicate is a crash between the send returning and the record committing:
 * a few milliseconds with nothing else in between, the record retried in-process if the database
 * blips. Downstream de-duplication covers most of that window too: the key is the web chat activity
 * id and the email Message-ID, and it is passed to SMS providers as the session context / out id.
 */
export async function deliverOne(
  deps: DeliveryDeps,
  delivery: PlannedDelivery,
  secret: Record<string, string> | undefined,
  /** The event's last delivery: its record also marks the outbox row processed (one statement). */
  completes?: { eraseSecret: boolean },
): Promise<DeliveryOutcome> {
  const wait = await deps.limiter.reserve(delivery.channel, delivery.to, {
    code: delivery.spec.kind === 'code',
  });
  if (wait > 0) return { status: 'wait', ms: wait };
  try {
    await send(deps.senders, delivery, composeMessage(delivery.key, delivery.spec, secret));
  } catch (error) {
    if (error instanceof RecipientUnreachableError) return fallBack(deps, delivery, error);
    if (error instanceof PermanentSendError) return { status: 'refused', reason: error.message };
    return { status: 'failed', error: error instanceof Error ? error : new Error(String(error)) };
  }
  await deps.beforeRecord?.(delivery);
  await withRetries(() =>
    completes
      ? recordAndComplete(deps.ctx.db, delivery, deps.ctx.now(), completes.eraseSecret)
      : recordDelivery(deps.ctx.db, delivery.key, deps.ctx.now()),
  );
  deps.onDelivered?.(delivery);
  return { status: 'sent' };
}

async function send(senders: Senders, delivery: PlannedDelivery, message: ReturnType<typeof composeMessage>) {
  const to = delivery.to;
  switch (to.kind) {
    case 'sms':
      return senders.sms.send(to.phone, message);
    case 'email':
      if (!senders.email) throw new PermanentSendError('no SMTP server is configured (SMTP_URL)');
      return senders.email.send({ address: to.address, name: to.name }, message);
    default: {
      const sender = senders.chat[to.channel];
      if (!sender) throw new NoSenderError(`no ${to.channel} sender in this deployment`);
      return sender.send(to, message);
    }
  }
}

/**
 * The chat cannot be reached (bot removed, user gone, WeChat KF window closed): the binding is marked
 * unreachable (later events go straight to SMS/email) and this message goes to the account's
 * SMS/email instead, as new deliveries with their own keys.
 */
async function fallBack(
  deps: DeliveryDeps,
  delivery: PlannedDelivery,
  error: RecipientUnreachableError,
): Promise<DeliveryOutcome> {
  if (delivery.to.kind === 'chat' && !(error instanceof NoSenderError)) {
    await deps.ctx.services.bindings.markUnreachable(delivery.to.channel, delivery.to.chatUserId);
  }
  return { status: 'fell_back', replacements: await planFallback(deps, delivery), reason: error.message };
}

/** The keys of these deliveries that are recorded as delivered (checked before sending). */
export async function deliveredKeys(db: Queryable, keys: readonly string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set();
  const { rows } = await db.query<{ key: string }>('select key from deliveries where key = any($1::text[])', [
    keys,
  ]);
  return new Set(rows.map((r) => r.key));
}

/** Records a delivery; a second record of the same key is harmless (a concurrent duplicate run). */
export async function recordDelivery(db: Queryable, key: string, at: Date): Promise<void> {
  await db.query('insert into deliveries (key, created_at) values ($1, $2) on conflict (key) do nothing', [
    key,
    at,
  ]);
}

/** The record of the event's last delivery and the row's "processed" (its secret erased) together. */
async function recordAndComplete(db: Queryable, delivery: PlannedDelivery, at: Date, eraseSecret: boolean) {
  await db.query(
    `with recorded as (
       insert into deliveries (key, created_at) values ($1, $2) on conflict (key) do nothing)
     update outbox set processed_at = $2 ${eraseSecret ? `, payload = payload - 'secret'` : ''}
      where id = $3 and processed_at is null`,
    [delivery.key, at, delivery.outboxId],
  );
}

async function withRetries(work: () => Promise<void>, attempts = 3): Promise<void> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (error) {
      if (i >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * i));
    }
  }
}
