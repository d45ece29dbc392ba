import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { createRedisRateLimiter } from '../../../http/api/rate-limit';
import { createLogger } from '../../../platform/logger';
import { deleteRedisKeys } from './harness';

const logger = createLogger('silent');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('staff API rate limiter', () => {
  it('counts per subject in fixed windows and resets with the next window', async () => {
    const prefix = `trl${randomBytes(4).toString('hex')}`;
    let now = 1_000_000_000_000;
    const limiter = createRedisRateLimiter({ url, prefix, logger, now: () => now });
    try {
      const seen = [];
      for (let i = 0; i < 3; i++) seen.push((await limiter.hit('a', 2, 60)).allowed);
      expect(seen).toEqual([true, true, false]);
      expect((await limiter.hit('b', 2, 60)).allowed).toBe(true);
      expect((await limiter.peek('a', 2, 60)).allowed).toBe(false);
      now += 60_000;
      const next = await limiter.hit('a', 2, 60);
      expect(next).toMatchObject({ allowed: true, remaining: 1, limit: 2 });
      expect(next.resetSeconds).toBeGreaterThan(0);
    } finally {
      await limiter.close();
      await deleteRedisKeys(url, prefix);
    }
  });

  it('lets requests through when Redis is unreachable (fail open)', async () => {
    const limiter = createRedisRateLimiter({ url: 'redis://127.0.0.1:1', prefix: 'none', logger });
    try {
      const started = Date.now();
      const decision = await limiter.hit('a', 1, 60);
      expect(decision.allowed).toBe(true);
      expect((await limiter.hit('a', 1, 60)).allowed).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await limiter.close();
    }
  });

  it('keeps one Redis connection and one error listener however many requests it counts', async () => {
    const prefix = `trl${randomBytes(4).toString('hex')}`;
    const limiter = createRedisRateLimiter({ url, prefix, logger });
    // Watches listener registrations on every ioredis client (it only observes: `on` still runs).
    const on = jest.spyOn(IORedis.prototype, 'on');
    try {
      for (let i = 0; i < 30; i++) {
        await limiter.hit('a', 100, 60);
        await limiter.peek('a', 100, 60);
      }
      expect((await limiter.peek('a', 100, 60)).remaining).toBe(70);
      expect(on.mock.calls.filter(([event]) => event === 'error')).toHaveLength(1);
    } finally {
      on.mockRestore();
      await limiter.close();
      await deleteRedisKeys(url, prefix);
    }
  });
});
