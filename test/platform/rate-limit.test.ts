import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { createLogger, type Logger } from '../../platform/logger';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
  requestLimit,
} from '../../platform/rate-limit';

const logger = createLogger('silent');
const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const WINDOW_START = 1_000_000_020_000; // a multiple of 60 s

let redis: IORedis;
const prefixes: string[] = [];
const newPrefix = () => {
  const prefix = `trl${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return prefix;
};

beforeAll(() => {
  redis = new IORedis(url, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  }
  await redis.quit();
});

const kinds: [string, (now: () => number) => RateLimiter][] = [
  [
    'Redis, own connection',
    (now) => createRedisRateLimiter({ redis: url, prefix: newPrefix(), logger, now }),
  ],
  [
    'Redis, shared connection',
    (now) => createRedisRateLimiter({ redis: () => redis, prefix: newPrefix(), logger, now }),
  ],
  ['memory', (now) => createMemoryRateLimiter({ now })],
];

describe.each(kinds)('rate limiter (%s)', (_kind, create) => {
  let now: number;
  let limiter: RateLimiter;
  beforeEach(() => {
    now = WINDOW_START;
    limiter = create(() => now);
  });
  afterEach(() => limiter.close());

  it('counts per subject in fixed windows and resets with the next window', async () => {
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push((await limiter.hit('a', 2, 60)).allowed);
    expect(seen).toEqual([true, true, false]);
    expect((await limiter.hit('b', 2, 60)).allowed).toBe(true);
    expect((await limiter.peek('a', 2, 60)).allowed).toBe(false);
    now += 60_000;
    const next = await limiter.hit('a', 2, 60);
    expect(next).toMatchObject({ allowed: true, remaining: 1, limit: 2 });
    expect(next.resetSeconds).toBeGreaterThan(0);
  });

  it('gives the full decision for the headers; peek does not count', async () => {
    const decision = (allowed: boolean, remaining: number) => ({
      allowed,
      limit: 3,
      remaining,
      resetSeconds: 45,
    });
    now += 15_500;
    expect(await limiter.hit('a', 3, 60)).toEqual(decision(true, 2));
    expect(await limiter.peek('a', 3, 60)).toEqual(decision(true, 2));
    await limiter.hit('a', 3, 60);
    await limiter.hit('a', 3, 60);
    expect(await limiter.peek('a', 3, 60)).toEqual(decision(false, 0));
    expect(await limiter.hit('a', 3, 60)).toEqual(decision(false, 0));
  });

  it('keeps a separate count per window length and per named limit', async () => {
    await limiter.hit('a', 1, 60);
    expect((await limiter.hit('a', 1, 600)).allowed).toBe(true);
    const messages = requestLimit(limiter, 'messages', 1, 60);
    const uploads = requestLimit(limiter, 'uploads', 1, 60);
    expect((await messages.hit('user')).allowed).toBe(true);
    expect((await uploads.hit('user')).allowed).toBe(true);
    expect(await messages.hit('user')).toMatchObject({ allowed: false, resetSeconds: 60 });
  });
});

describe('Redis rate limiter', () => {
  it('keeps one expiring key per subject, window length and window', async () => {
    const prefix = newPrefix();
    const limiter = createRedisRateLimiter({ redis: () => redis, prefix, logger, now: () => WINDOW_START });
    await requestLimit(limiter, 'webchat:messages', 60, 60).hit('user1');
    const key = `${prefix}:webchat:messages:user1:60:${WINDOW_START / 60_000}`;
    expect(await redis.keys(`${prefix}:*`)).toEqual([key]);
    expect(await redis.ttl(key)).toBeGreaterThan(55);
    expect(await redis.ttl(key)).toBeLessThanOrEqual(61);
    // The caller's connection is the caller's to close.
    await limiter.close();
    expect(await redis.ping()).toBe('PONG');
    expect((await limiter.hit('user1', 1, 60)).allowed).toBe(true);
  });

  it('lets requests through when Redis is unreachable (fail open), warning once', async () => {
    const warn = jest.fn();
    const quiet = { warn } as unknown as Logger;
    const limiter = createRedisRateLimiter({ redis: 'redis://127.0.0.1:1', prefix: 'none', logger: quiet });
    try {
      const started = Date.now();
      expect(await limiter.hit('a', 1, 60)).toEqual({
        allowed: true,
        limit: 1,
        remaining: 1,
        resetSeconds: 0,
      });
      expect((await limiter.hit('a', 1, 60)).allowed).toBe(true);
      expect((await limiter.peek('a', 1, 60)).allowed).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(warn).toHaveBeenCalledTimes(1);
    } finally {
      await limiter.close();
    }
  });

  it('keeps one Redis connection and one error listener however many requests it counts', async () => {
    const limiter = createRedisRateLimiter({ redis: url, prefix: newPrefix(), logger });
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
    }
  });
});
