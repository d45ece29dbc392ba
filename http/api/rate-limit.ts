import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger';
import { createRedis } from '../../platform/redis';

/**
 * Fixed-window request counters in Redis, shared by every API process: one key per subject and
 * window under `${REDIS_PREFIX}:rl:`, incremented atomically and expiring with the window.
 * When Redis is unreachable the API keeps serving (fail open, logged): a rate limit protects the
 * service, it must not take it down.
 */

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  resetSeconds: number;
}

export interface RateLimiter {
  hit(subject: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  /** The count so far, without adding to it. */
  peek(subject: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  close(): Promise<void>;
}

/** Subjects never hold a token itself: a bearer token is reduced to a short hash first. */
export const tokenSubject = (token: string) =>
  `t:${createHash('sha256').update(token).digest('hex').slice(0, 32)}`;

export function createRedisRateLimiter(options: {
  url: string;
  prefix: string;
  logger: Logger;
  now?: () => number;
}): RateLimiter {
  const now = options.now ?? Date.now;
  let client: Redis | undefined;
  let lastWarning = 0;
  let closed = false;
  const redis = () => {
    if (closed) throw new Error('rate limiter is closed');
    if (!client) {
      client = createRedis(options.url, {
        lazyConnect: true,
        // A request must not wait on a Redis that is down: fail fast, answer without a limit.
        maxRetriesPerRequest: 1,
        commandTimeout: 500,
        enableOfflineQueue: true,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      // Failures surface through the commands (failOpen logs them); one listener keeps ioredis quiet.
      client.on('error', () => undefined);
    }
    return client;
  };

  const window = (subject: string, windowSeconds: number) => {
    const ms = windowSeconds * 1000;
    const t = now();
    const index = Math.floor(t / ms);
    return {
      key: `${options.prefix}:rl:${subject}:${windowSeconds}:${index}`,
      resetSeconds: Math.max(1, Math.ceil(((index + 1) * ms - t) / 1000)),
    };
  };

  const failOpen = (limit: number, error: unknown): RateLimitDecision => {
    if (now() - lastWarning > 60_000) {
      lastWarning = now();
      options.logger.warn({ err: error }, 'rate limiter: Redis unavailable, requests are not limited');
    }
    return { allowed: true, limit, remaining: limit, resetSeconds: 0 };
  };

  const decide = (count: number, limit: number, resetSeconds: number): RateLimitDecision => ({
    allowed: count <= limit,
    limit,
    remaining: Math.max(0, limit - count),
    resetSeconds,
  });

  return {
    async hit(subject, limit, windowSeconds) {
      const { key, resetSeconds } = window(subject, windowSeconds);
      try {
        const results = await redis()
          .multi()
          .incr(key)
          .expire(key, windowSeconds + 1)
          .exec();
        const count = Number(results?.[0]?.[1] ?? 0);
        return decide(count, limit, resetSeconds);
      } catch (error) {
        return failOpen(limit, error);
      }
    },
    async peek(subject, limit, windowSeconds) {
      const { key, resetSeconds } = window(subject, windowSeconds);
      try {
        const count = Number((await redis().get(key)) ?? 0);
        return { ...decide(count, limit, resetSeconds), allowed: count < limit };
      } catch (error) {
        return failOpen(limit, error);
      }
    },
    async close() {
      closed = true;
      const c = client;
      client = undefined;
      if (c) await c.quit().catch(() => c.disconnect());
    },
  };
}
