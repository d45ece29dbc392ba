import type { Redis } from 'ioredis';
import type { DeliveryChannel } from './queues';
import type { Address } from './senders/types';

export interface Window {
  max: number;
  windowMs: number;
}

export interface ChannelLimits {
  /** For the whole channel, all workers together (an app-wide provider limit). */
  channel?: Window[];
  /** Per recipient (conversation, member, phone), enforced with shared Redis counters. */
  perRecipient?: Window[];
  /**
   * Per recipient for one-time codes, counted apart from everything else (SMS): a code never waits
   * behind progress notices to the same number. With `perRecipient` it stays within what the provider
   * allows per number (configure its frequency limit to the sum).
   */
  perRecipientCodes?: Window[];
  /** Per staff group robot / channel. */
  perGroup?: Window[];
}

/**
 * The providers' published limits (shared/CHANNELS.md), met by construction: a message over a limit
 * waits (the job is delayed until the window opens), it is never dropped or sent into a provider that
 * would drop it silently (WeCom discards messages over its per-member limits).
 */
export const CHANNEL_LIMITS: Record<DeliveryChannel, ChannelLimits> = {
  // Local web chat: our own database and Redis, no provider limit.
  web: {},
  // Teams: ~30 requests/s per app per tenant; per conversation 7/s, 60/30 s, 1,800/h.
  teams: {
    channel: [{ max: 30, windowMs: 1000 }],
    perRecipient: [
      { max: 7, windowMs: 1000 },
      { max: 60, windowMs: 30_000 },
      { max: 1800, windowMs: 3_600_000 },
    ],
    perGroup: [
      { max: 7, windowMs: 1000 },
      { max: 60, windowMs: 30_000 },
      { max: 1800, windowMs: 3_600_000 },
    ],
  },
  // WeCom app messages: per member 30/min and 1,000/h (more is dropped silently); group robot 20/min.
  wecom: {
    perRecipient: [
      { max: 30, windowMs: 60_000 },
      { max: 1000, windowMs: 3_600_000 },
    ],
    perGroup: [{ max: 20, windowMs: 60_000 }],
  },
  // WeChat Customer Service: at most 5 messages per 48 h window after the customer's last message.
  // The window starts at the customer's message, which only the kf sender knows: it refuses with
  // RecipientUnreachableError when the window is closed or used up, and the delivery falls back.
  wechat_kf: { perRecipient: [{ max: 5, windowMs: 48 * 3_600_000 }] },
  // SMS: the carriers' per-number frequency control (Tencent and Alibaba both default to about one
  // message per number per 30-60 s and a few per hour; the API itself allows far more). Notices and
  // codes each get one per 30 s, so the provider's per-number limit must allow two per 30 s and 20 an
  // hour (README); codes are further limited by the code service (one a minute, five an hour).
  sms: {
    channel: [{ max: 100, windowMs: 1000 }],
    perRecipient: [
      { max: 1, windowMs: 30_000 },
      { max: 10, windowMs: 3_600_000 },
    ],
    perRecipientCodes: [
      { max: 1, windowMs: 30_000 },
      { max: 10, windowMs: 3_600_000 },
    ],
  },
  // SMTP relays throttle connections and messages per second; 50/s with pooled connections is safe.
  email: { channel: [{ max: 50, windowMs: 1000 }] },
};

/** Who a per-recipient counter counts: a conversation, a member, a phone number, a group. */
export function recipientKey(to: Address): { key: string; group: boolean } {
  switch (to.kind) {
    case 'chat':
      return { key: `${to.channel}:${to.chatUserId}`, group: false };
    case 'staff':
      return { key: `${to.channel}:staff:${to.userId}`, group: false };
    case 'staff_group':
      return { key: `${to.channel}:group`, group: true };
    case 'sms':
      return { key: `sms:${to.phone}`, group: false };
    case 'email':
      return { key: `email:${to.address.toLowerCase()}`, group: false };
  }
}

/**
 * Fixed windows per rule, checked and counted atomically: either every rule has room and all are
 * counted, or nothing is counted and the answer is how long to wait for the fullest window.
 */
const RESERVE = `
local now = tonumber(ARGV[#KEYS * 2 + 1])
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[i * 2 - 1])
  local window = tonumber(ARGV[i * 2])
  local current = tonumber(redis.call('GET', key) or '0')
  if current >= max then
    return window - (now % window) + 1
  end
end
for i, key in ipairs(KEYS) do
  local n = redis.call('INCR', key)
  if n == 1 then redis.call('PEXPIRE', key, ARGV[i * 2] + 1000) end
end
return 0
`;

export class RecipientLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: Record<DeliveryChannel, ChannelLimits> = CHANNEL_LIMITS,
  ) {}

  /**
   * 0 when the message may go now (and it is counted in every window), else milliseconds to wait.
   * `code`: a one-time code, counted in the recipient's code windows instead of the notice ones.
   */
  async reserve(channel: DeliveryChannel, to: Address, options: { code?: boolean; now?: number } = {}) {
    const now = options.now ?? Date.now();
    const limits = this.limits[channel];
    const { key, group } = recipientKey(to);
    const personal = group
      ? limits.perGroup
      : options.code && limits.perRecipientCodes
        ? limits.perRecipientCodes
        : limits.perRecipient;
    const who = options.code && !group ? `${key}:code` : key;
    const rules = [
      ...(limits.channel ?? []).map((r) => ({ ...r, key: 'all' })),
      ...(personal ?? []).map((r) => ({ ...r, key: who })),
    ];
    if (rules.length === 0) return 0;
    const keys = rules.map(
      (r) => `${this.prefix}:rl:${channel}:${r.max}/${r.windowMs}:${r.key}:${Math.floor(now / r.windowMs)}`,
    );
    const args = [...rules.flatMap((r) => [String(r.max), String(r.windowMs)]), String(now)];
    const wait = await this.redis.eval(RESERVE, keys.length, ...keys, ...args);
    return Number(wait);
  }
}
