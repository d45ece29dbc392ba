import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

/** At most `max` hits per window for one key (an IP, a chat user). */
export interface RateLimiter {
  hit(key: string): Promise<RateLimitResult>;
}

function windowOf(windowSeconds: number): { window: number; retryAfterSeconds: number } {
  const nowSeconds = Date.now() / 1000;
  const window = Math.floor(nowSeconds / windowSeconds);
  return { window, retryAfterSeconds: Math.max(1, Math.ceil((window + 1) * windowSeconds - nowSeconds)) };
}

/**
 * A fixed-window counter in Redis, shared by every process. When Redis is unreachable it lets
 * requests through: the limits protect against floods, while the checks that protect secrets
 * (password lockout, code attempts) live in the database and keep working.
 */
export class RedisRateLimiter implements RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowSeconds: number,
  ) {}

  async hit(key: string): Promise<RateLimitResult> {
    const { window, retryAfterSeconds } = windowOf(this.windowSeconds);
    const redisKey = `${this.prefix}:${key}:${window}`;
    try {
      const count = await this.redis.incr(redisKey);
      if (count === 1) await this.redis.expire(redisKey, this.windowSeconds + 1);
      return { allowed: count <= this.max, retryAfterSeconds };
    } catch {
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}

/** The same counter in this process's memory (tests, or a caller without Redis). */
export class MemoryRateLimiter implements RateLimiter {
  private readonly counts = new Map<string, number>();
  private currentWindow = -1;

  constructor(
    private readonly max: number,
    private readonly windowSeconds: number,
  ) {}

  async hit(key: string): Promise<RateLimitResult> {
    const { window, retryAfterSeconds } = windowOf(this.windowSeconds);
    if (window !== this.currentWindow) {
      this.counts.clear();
      this.currentWindow = window;
    }
    const count = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, count);
    return { allowed: count <= this.max, retryAfterSeconds };
  }
}
