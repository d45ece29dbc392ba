import type { Redis } from 'ioredis';

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

/**
 * A fixed-window counter in Redis, shared by every process: at most `max` hits per `windowSeconds`
 * for one key (an IP, a chat user). When Redis is unreachable it lets requests through: the limits
 * protect against floods, while the checks that protect secrets (password lockout, code attempts)
 * live in the database and keep working.
 */
export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly max: number,
    private readonly windowSeconds: number,
  ) {}

  async hit(key: string): Promise<RateLimitResult> {
    const window = Math.floor(Date.now() / 1000 / this.windowSeconds);
    const redisKey = `${this.prefix}:${key}:${window}`;
    try {
      const count = await this.redis.incr(redisKey);
      if (count === 1) await this.redis.expire(redisKey, this.windowSeconds + 1);
      const retryAfterSeconds = (window + 1) * this.windowSeconds - Math.floor(Date.now() / 1000);
      return { allowed: count <= this.max, retryAfterSeconds: Math.max(1, retryAfterSeconds) };
    } catch {
      return { allowed: true, retryAfterSeconds: 0 };
    }
  }
}
