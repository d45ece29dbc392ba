import type { JobsOptions } from 'bullmq';
import type { Config } from '../platform/config';
import type { OutboxTopic } from '../services/events';
import type { MessageSpec } from './messages';
import type { Address } from './senders/types';
import { RetryLaterError } from './senders/types';

/**
 * One job per outbox event, on the queue of its audience (customer, staff, account, codes): the
 * processor decides who hears about it and through which channel, and sends each delivery itself
 * (workers/process-event.ts). The audiences have queues of their own so that a flood of one (staff
 * alerts, say) never holds up another, and one-time codes never wait behind progress notices.
 * Provider limits are kept per channel and recipient with shared Redis counters (rate-limits.ts).
 */
export const EVENT_QUEUES = {
  customer: 'notify-customer',
  staff: 'notify-staff',
  account: 'notify-account',
  codes: 'notify-codes',
} as const;

export type EventQueue = (typeof EVENT_QUEUES)[keyof typeof EVENT_QUEUES];

export const TOPIC_QUEUE: Record<OutboxTopic, EventQueue> = {
  'ticket.changed': EVENT_QUEUES.customer,
  'ticket.queue_milestone': EVENT_QUEUES.customer,
  'ticket.rating_reminder': EVENT_QUEUES.customer,
  'ticket.shared': EVENT_QUEUES.customer,
  'staff.ticket_waiting': EVENT_QUEUES.staff,
  'staff.rating_received': EVENT_QUEUES.staff,
  'staff.ticket_supplemented': EVENT_QUEUES.staff,
  'account.credentials': EVENT_QUEUES.account,
  'code.requested': EVENT_QUEUES.codes,
};

export const DELIVERY_CHANNELS = ['web', 'teams', 'wecom', 'wechat_kf', 'sms', 'email'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export const SWEEP_QUEUE = 'sweeps';

export const ALL_QUEUES: readonly string[] = [...Object.values(EVENT_QUEUES), SWEEP_QUEUE];

/** An outbox row on its way: the row's id (its secret stays in the database) and what its job learnt. */
export interface EventJobData {
  outboxId: number;
  topic: OutboxTopic;
  /** When the row was written (ms), for the latency measurement. */
  createdAt: number;
  /** The deliveries as first planned, kept once the job has to wait or retry (a retry never re-plans). */
  plan?: PlannedDelivery[];
  /** Deliveries not to try again: refused for good by the provider, or replaced by a fallback; with why. */
  refused?: Record<string, string>;
  /** The delivery whose failure the job's last attempt reports. */
  failedKey?: string;
  /** How often the job waited for an older event of its lane. */
  laneWaits?: number;
}

/** One message to one recipient on one channel, as planned (workers/plan.ts). */
export interface PlannedDelivery {
  outboxId: number;
  /** Idempotency key: one per (outbox id, recipient, channel); recorded in `deliveries` once sent. */
  key: string;
  channel: DeliveryChannel;
  to: Address;
  spec: MessageSpec;
  /** A customer's chat delivery: the account whose SMS/email take over if the chat is unreachable. */
  fallbackAccountId?: string;
}

/** Outbox row id -> BullMQ job id: the same row can be added any number of times, it exists once. */
export const eventJobId = (outboxId: number) => `outbox-${outboxId}`;

/** Retries: exponential from JOB_BACKOFF_MS, capped, with jitter so a recovering provider is not hit in step. */
export const BACKOFF_CAP_MS = 15 * 60 * 1000;

export function backoffDelay(config: Config, attemptsMade: number, error?: Error): number {
  if (error instanceof RetryLaterError || error?.name === 'RetryLaterError') {
    return Math.min((error as RetryLaterError).retryAfterMs, BACKOFF_CAP_MS);
  }
  const exponential = Math.min(config.JOB_BACKOFF_MS * 2 ** Math.max(0, attemptsMade - 1), BACKOFF_CAP_MS);
  return Math.round(exponential * (0.8 + Math.random() * 0.2));
}

export function jobOptions(config: Config, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: config.JOB_ATTEMPTS,
    backoff: { type: 'capped', delay: config.JOB_BACKOFF_MS },
    // Completed jobs go soon (the deliveries table is the record); failed ones stay for `npm run jobs:failed`.
    removeOnComplete: { age: 3600, count: 5000 },
    removeOnFail: { age: 30 * 24 * 3600 },
  };
}
