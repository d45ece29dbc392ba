import { randomBytes } from 'node:crypto';
import IORedis from 'ioredis';
import { RedisConversationLock } from '../../bot/conversation-lock';
import { createLogger, type Logger } from '../../platform/logger';
import { closeRedis } from '../../platform/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('conversation lock across processes (Redis lease)', () => {
  let redis: IORedis;
  let prefix: string;
  const prefixes: string[] = [];
  const clients: IORedis[] = [];

  /** A lock as one process would hold it: its own Redis connection, the shared prefix. */
  const processLock = (
    options: { leaseMs?: number; waitMs?: number; url?: string; heartbeatMs?: number } = {},
  ) => {
    const client = new IORedis(options.url ?? REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 1000 });
    client.on('error', () => undefined);
    clients.push(client);
    return new RedisConversationLock({ redis: () => client, prefix, logger, ...options });
  };

  /** Work that records how many turns of the key overlap. */
  const tracker = () => {
    const state = { active: 0, maxActive: 0, order: [] as string[] };
    const work = (name: string, ms: number) => async () => {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      state.order.push(`start ${name}`);
      await sleep(ms);
      state.order.push(`end ${name}`);
      state.active--;
      return name;
    };
    return { state, work };
  };

  beforeAll(() => {
    redis = new IORedis(REDIS_URL);
  });
  beforeEach(() => {
    prefix = `tlock${randomBytes(4).toString('hex')}`;
    prefixes.push(prefix);
  });
  afterAll(async () => {
    // closeRedis: the client of the unreachable Redis must not leave ioredis's 2 s disconnect timer.
    await Promise.all(clients.map((client) => closeRedis(client)));
    // Only this file's keys: another run of it (another jest process) may be using its own right now.
    for (const p of prefixes) {
      const keys = await redis.keys(`${p}:*`);
      if (keys.length) await redis.del(...keys);
    }
    await closeRedis(redis);
  });

  it("a lease held by a process that stopped (its heartbeat gone) is taken over at once, not after the lease's lifetime", async () => {
    const dead = processLock({ leaseMs: 60_000, heartbeatMs: 300 });
    const alive = processLock({ leaseMs: 60_000, waitMs: 60_000, heartbeatMs: 300 });
    let release!: () => void;
    const hung = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const first = dead.run('conv', async () => {
      entered();
      await hung;
    });
    await holding;
    // The holder is killed: no more heartbeat (its lease would stay another minute).
    dead.close();
    const started = Date.now();
    expect(await alive.run('conv', async () => 'second')).toBe('second');
    expect(alive.takeovers).toBe(1);
    // Not the lease's minute, nor the 60 s wait: the heartbeat's lifetime and a few retries.
    expect(Date.now() - started).toBeLessThan(30_000);
    release();
    await first;
  });

  it('a live holder is never taken over: its heartbeat keeps its lease its own', async () => {
    const holder = processLock({ leaseMs: 2000, heartbeatMs: 300 });
    const other = processLock({ leaseMs: 2000, waitMs: 10_000, heartbeatMs: 300 });
    const { state, work } = tracker();
    await Promise.all([
      holder.run('conv', work('a', 1200)),
      sleep(50).then(() => other.run('conv', work('b', 10))),
    ]);
    expect(state.maxActive).toBe(1);
    expect(other.takeovers).toBe(0);
    holder.close();
    other.close();
  });

  it('runs turns of one conversation from two processes one at a time, and other conversations alongside', async () => {
    const one = processLock();
    const two = processLock();
    const { state, work } = tracker();
    const other = tracker();
    const results = await Promise.all([
      one.run('web/c1', work('a', 150)),
      two.run('web/c1', work('b', 150)),
      one.run('web/c1', work('c', 50)),
      two.run('web/c2', other.work('x', 150)),
      one.run('web/c2', other.work('y', 150)),
    ]);
    expect(results).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(state.maxActive).toBe(1);
    expect(other.state.maxActive).toBe(1);
    // Each turn ran whole before the next began, and the lease is gone afterwards.
    expect(state.order).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) expect(state.order[i]!.replace('start', 'end')).toBe(state.order[i + 1]);
    expect(await redis.exists(`${prefix}:turnlock:web/c1`)).toBe(0);
  });

  it('renews the lease while a long turn runs, so a second process keeps waiting', async () => {
    // Renewed every third of the lease: a busy event loop may delay a renewal by up to 2/3 of it.
    const one = processLock({ leaseMs: 1200 });
    const two = processLock({ leaseMs: 1200 });
    const { state, work } = tracker();
    await Promise.all([
      one.run('web/long', work('long', 3000)),
      sleep(50).then(() => two.run('web/long', work('next', 10))),
    ]);
    expect(state.maxActive).toBe(1);
    expect(state.order).toEqual(['start long', 'end long', 'start next', 'end next']);
  });

  it('frees a conversation whose holder crashed once the lease expires', async () => {
    // Taken before the lease is set: the reply to SET may reach a busy process late.
    const started = Date.now();
    await redis.set(`${prefix}:turnlock:web/crashed`, 'a process that died', 'PX', 300);
    const lock = processLock();
    await expect(lock.run('web/crashed', async () => 'ran')).resolves.toBe('ran');
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
  });

  it('never releases a lease another turn holds now', async () => {
    const lock = processLock();
    const key = `${prefix}:turnlock:web/taken-over`;
    await lock.run('web/taken-over', async () => {
      // Our lease expired and another process took the conversation meanwhile.
      await redis.set(key, 'someone else', 'PX', 10_000);
    });
    expect(await redis.get(key)).toBe('someone else');
  });

  it('hands the lease of a turn whose release got lost straight to the next turn of this process', async () => {
    const client = new IORedis(REDIS_URL, { maxRetriesPerRequest: 1 });
    clients.push(client);
    // Fault injection on a real connection: the first release times out, as on a busy process.
    let releases = 0;
    const flaky = new Proxy(client, {
      get(target, property, receiver) {
        if (property === 'eval')
          return (script: string, ...args: unknown[]) => {
            if (script.includes("'del'") && ++releases === 1)
              return Promise.reject(new Error('Command timed out'));
            return (target.eval as (...a: unknown[]) => Promise<unknown>)(script, ...args);
          };
        return Reflect.get(target, property, receiver);
      },
    });
    const warn = jest.fn();
    const watched = { warn } as unknown as Logger;
    const lock = new RedisConversationLock({ redis: () => flaky, prefix, logger: watched, waitMs: 5000 });
    await lock.run('web/lost', async () => 'first');
    expect(await redis.exists(`${prefix}:turnlock:web/lost`)).toBe(1);
    await expect(lock.run('web/lost', async () => 'second')).resolves.toBe('second');
    // Without the hand-over it would have waited out the 5 s wait, then run without a lease (the old
    // one still there) and said so.
    expect(warn).not.toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/waited too long/));
    expect(await redis.exists(`${prefix}:turnlock:web/lost`)).toBe(0);
  });

  it('runs the turn anyway when the wait runs out (the state eTag still guards the save)', async () => {
    await redis.set(`${prefix}:turnlock:web/stuck`, 'a hung turn', 'PX', 60_000);
    const lock = processLock({ waitMs: 200 });
    await expect(lock.run('web/stuck', async () => 'ran')).resolves.toBe('ran');
  });

  it('runs turns when Redis is unreachable, one at a time within the process', async () => {
    const lock = processLock({ url: 'redis://127.0.0.1:1' });
    const { state, work } = tracker();
    await expect(
      Promise.all([lock.run('web/c', work('a', 30)), lock.run('web/c', work('b', 30))]),
    ).resolves.toEqual(['a', 'b']);
    expect(state.maxActive).toBe(1);
  });
});
