import type { Redis } from 'ioredis';
import type { Logger } from './logger';
import { closeRedis, createRedis } from './redis';

/**
 * Fixed-window request counters: at most `limit` hits per window of `windowSeconds` for one subject
 * (a client address, a token hash, a chat user). One implementation for every folder: in Redis,
 * shared by every process, or in this process's memory (tests, a caller without Redis).
 */

export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until the window resets (Retry-After, RateLimit-Reset); 0 when nothing was counted (fail open). */
  resetSeconds: number;
}

export interface RateLimiter {
  /** Counts one hit for the subject and says whether it is within the limit. */
  hit(subject: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  /** The count so far, without adding to it: `allowed` says whether one more hit would be. */
  peek(subject: string, limit: number, windowSeconds: number): Promise<RateLimitDecision>;
  /** Closes the limiter's own Redis connection (a connection the caller passed in stays open). */
  close(): Promise<void>;
}

/** One limit bound to a name, for call sites that count one kind of request per key (an IP, a chat user). */
export interface RequestLimit {
  hit(key: string): Promise<RateLimitDecision>;
}

export function requestLimit(
  limiter: RateLimiter,
  name: string,
  limit: number,
  windowSeconds: number,
): RequestLimit {
  return { hit: (key) => limiter.hit(`${name}:${key}`, limit, windowSeconds) };
}

/** The window `now` falls in, and the seconds until it ends (at least 1). */
function windowAt(nowMs: number, windowSeconds: number): { index: number; resetSeconds: number } {
  const ms = windowSeconds * 1000;
  const index = Math.floor(nowMs / ms);
  return { index, resetSeconds: Math.max(1, Math.ceil(((index + 1) * ms - nowMs) / 1000)) };
}

function decide(count: number, limit: number, resetSeconds: number): RateLimitDecision {
  return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetSeconds };
}

/** A peek asks about the next hit: allowed while the count is still below the limit. */
const peeked = (count: number, limit: number, resetSeconds: number): RateLimitDecision => ({
  ...decide(count, limit, resetSeconds),
  allowed: count < limit,
});

export interface RedisRateLimiterOptions {
  /**
   * Where to count: a Redis URL (the limiter opens its own connection on first use and closes it in
   * `close()`), or the caller's connection, fetched on each use and left to the caller to close.
   */
  redis: string | (() => Redis);
  /** Every key is `${prefix}:${subject}:${windowSeconds}:${window index}`. */
  prefix: string;
  logger: Logger;
  now?: () => number;
}

/**
 * Counters in Redis, incremented atomically with their expiry (MULTI INCR + EXPIRE). When Redis is
 * unreachable the limiter lets requests through (fail open, a warning at most once a minute): a rate
 * limit protects the service, it must not take it down, and the checks that protect secrets (password
 * lockout, code attempts) live in the database and keep working.
 */
export function createRedisRateLimiter(options: RedisRateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const source = options.redis;
  let own: Redis | undefined;
  let lastWarning = 0;
  let closed = false;
  const redis = (): Redis => {
    if (closed) throw new Error('rate limiter is closed');
    if (typeof source === 'function') return source();
    if (!own) {
      own = createRedis(source, {
        lazyConnect: true,
        // A request must not wait on a Redis that is down: fail fast, answer without a limit.
        maxRetriesPerRequest: 1,
        commandTimeout: 500,
        enableOfflineQueue: true,
        retryStrategy: (times) => Math.min(times * 200, 2000),
      });
      // Failures surface through the commands (failOpen logs them); one listener keeps ioredis quiet.
      own.on('error', () => undefined);
    }
    return own;
  };

  const failOpen = (limit: number, error: unknown): RateLimitDecision => {
    if (now() - lastWarning > 60_000) {
      lastWarning = now();
      options.logger.warn({ err: error }, 'rate limiter: Redis unavailable, requests are not limited');
    }
    return { allowed: true, limit, remaining: limit, resetSeconds: 0 };
  };

  const windowOf = (subject: string, windowSeconds: number) => {
    const { index, resetSeconds } = windowAt(now(), windowSeconds);
    return { key: `${options.prefix}:${subject}:${windowSeconds}:${index}`, resetSeconds };
  };

  return {
    async hit(subject, limit, windowSeconds) {
      const { key, resetSeconds } = windowOf(subject, windowSeconds);
      try {
        const results = await redis()
          .multi()
          .incr(key)
          .expire(key, windowSeconds + 1)
          .exec();
        const [error, count] = results?.[0] ?? [new Error('rate limiter: transaction discarded')];
        if (error) throw error;
        return decide(Number(count), limit, resetSeconds);
      } catch (error) {
        return failOpen(limit, error);
      }
    },
    async peek(subject, limit, windowSeconds) {
      const { key, resetSeconds } = windowOf(subject, windowSeconds);
      try {
        return peeked(Number((await redis().get(key)) ?? 0), limit, resetSeconds);
      } catch (error) {
        return failOpen(limit, error);
      }
    },
    async close() {
      closed = true;
      const connection = own;
      own = undefined;
      if (connection) await closeRedis(connection);
    },
  };
}

/** The same counters in this process's memory (tests, or a caller without Redis). */
export function createMemoryRateLimiter(options: { now?: () => number } = {}): RateLimiter {
  const now = options.now ?? Date.now;
  const counts = new Map<string, { count: number; endsAt: number }>();
  let nextSweep = 0;
  const counter = (subject: string, windowSeconds: number) => {
    const t = now();
    if (t >= nextSweep) {
      // Windows that ended are forgotten, so the map holds only live counters.
      for (const [key, entry] of counts) if (entry.endsAt <= t) counts.delete(key);
      nextSweep = t + 60_000;
    }
    const { index, resetSeconds } = windowAt(t, windowSeconds);
    const key = `${subject}:${windowSeconds}:${index}`;
    return { key, resetSeconds, endsAt: (index + 1) * windowSeconds * 1000 };
  };

  return {
    async hit(subject, limit, windowSeconds) {
      const { key, resetSeconds, endsAt } = counter(subject, windowSeconds);
      const count = (counts.get(key)?.count ?? 0) + 1;
      counts.set(key, { count, endsAt });
      return decide(count, limit, resetSeconds);
    },
    async peek(subject, limit, windowSeconds) {
      const { key, resetSeconds } = counter(subject, windowSeconds);
      return peeked(counts.get(key)?.count ?? 0, limit, resetSeconds);
    },
    async close() {
      counts.clear();
    },
  };
}
