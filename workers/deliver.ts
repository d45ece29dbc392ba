import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import { eraseSecretWhenDelivered, isDelivered, loadSecret, recordDelivery } from './deliveries';
import { composeMessage, SECRET_KINDS } from './messages';
import { planFallback } from './plan';
import { type EventProcessorDeps, enqueueDeliveries } from './process-event';
import type { DeliveryJobData } from './queues';
import type { RecipientLimiter } from './rate-limits';
import type { OutboundMessage, Senders } from './senders/types';
import { PermanentSendError, RecipientUnreachableError } from './senders/types';

export interface DeliveryDeps extends EventProcessorDeps {
  limiter: RecipientLimiter;
  /** Called after each recorded delivery (the benchmark measures latency here). */
  onDelivered?: (data: DeliveryJobData) => void;
  /** Test seam: runs between a successful send and its record (to simulate a crash right there). */
  beforeRecord?: (data: DeliveryJobData) => Promise<void>;
}

export type DeliveryResult =
  | { status: 'sent' }
  | { status: 'duplicate' }
  | { status: 'fell_back'; to: string[] }
  | { status: 'unreachable' };

/** The sender could not be found for this channel in this process (not configured). */
class NoSenderError extends RecipientUnreachableError {}

/**
 * Stage 2: one message to one recipient on one channel, at most once.
 *
 * Order: (1) skip if the key is in `deliveries`; (2) wait if the recipient is over a provider limit;
 * (3) render (reading a secret from the outbox row only now); (4) send; (5) record the key at once.
 * The only window for a duplicate is a crash between (4) returning and (5) committing: a few
 * milliseconds with nothing else in between, the record retried in-process if the database blips.
 * Downstream de-duplication covers most of that window too: the key is the web chat activity id and
 * the email Message-ID, and it is passed to SMS providers as the session context / out id.
 * A crash before (4) completes (a stalled job, a dropped connection) is simply retried: one delivery.
 */
export async function processDelivery(
  deps: DeliveryDeps,
  job: Job<DeliveryJobData>,
  token?: string,
): Promise<DeliveryResult> {
  const data = job.data;
  const { db } = deps.ctx;
  if (await isDelivered(db, data.key)) return { status: 'duplicate' };

  const wait = await deps.limiter.reserve(data.channel, data.to);
  if (wait > 0) {
    // Over the provider's limit for this recipient: back in the queue until the window opens; not an attempt.
    await job.moveToDelayed(Date.now() + wait, token);
    throw new DelayedError();
  }

  let secret: Record<string, string> | undefined;
  if (SECRET_KINDS.has(data.spec.kind)) {
    secret = await loadSecret(db, data.outboxId);
    if (!secret) throw new UnrecoverableError('the secret of this event is no longer stored');
  }
  const message = composeMessage(data.key, data.spec, secret);

  try {
    await send(deps.senders, data, message);
  } catch (error) {
    if (error instanceof RecipientUnreachableError) return fallBack(deps, data, error);
    if (error instanceof PermanentSendError) throw new UnrecoverableError(error.message);
    throw error;
  }

  await deps.beforeRecord?.(data);
  await withRetries(() => recordDelivery(db, data.key, deps.ctx.now()));
  if (data.secretKeys) await eraseSecretWhenDelivered(db, data.outboxId, data.secretKeys);
  deps.onDelivered?.(data);
  return { status: 'sent' };
}

async function send(senders: Senders, data: DeliveryJobData, message: OutboundMessage): Promise<void> {
  const to = data.to;
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
  data: DeliveryJobData,
  error: RecipientUnreachableError,
): Promise<DeliveryResult> {
  const log = deps.ctx.logger;
  if (data.to.kind === 'chat' && !(error instanceof NoSenderError)) {
    await deps.ctx.services.bindings.markUnreachable(data.to.channel, data.to.chatUserId);
  }
  const planned = await planFallback(deps, data);
  if (planned.length === 0) {
    log.warn({ key: data.key, reason: error.message }, 'delivery: recipient unreachable and no fallback');
    return { status: 'unreachable' };
  }
  await enqueueDeliveries(deps, planned, data.createdAt);
  log.info(
    { key: data.key, reason: error.message, to: planned.map((p) => p.channel) },
    'delivery: fell back',
  );
  return { status: 'fell_back', to: planned.map((p) => p.channel) };
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
