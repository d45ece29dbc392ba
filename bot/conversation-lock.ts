import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger';
import { KeyedLock } from './keyed-lock';

/** Runs work for one conversation at a time. */
export interface ConversationLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export interface RedisConversationLockOptions {
  /** The process's shared Redis connection (opened on first use). */
  redis: () => Redis;
  /** config.REDIS_PREFIX: keys are `${prefix}:turnlock:${conversation}`. */
  prefix: string;
  logger: Logger;
  /** How long a lease lives unless renewed: a crashed holder frees the conversation after this. */
  leaseMs?: number;
  /** How long a turn waits for another process's turn of the same conversation. */
  waitMs?: number;
  /** A turn renews its lease for at most this long; a hung turn then stops blocking the conversation. */
  maxHoldMs?: number;
  /**
   * This process says it is alive every third of this (a Redis key with this lifetime); a lease held
   * by a process whose key has expired is taken over at once instead of waiting for the lease to run out.
   */
  heartbeatMs?: number;
}

// Renew or release only a lease we still hold (the token is ours), in one step on the server.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Hands a lease from one of our finished turns (whose release failed) straight to the next turn.
const TAKE_OVER = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3]) else return nil end`;
// Takes a lease whose holder (the process id before ':' in its token) no longer says it is alive.
const TAKE_OVER_DEAD = `
local holder = redis.call('get', KEYS[1])
if not holder then return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
local process = string.match(holder, '^([%w-]+):')
if process and redis.call('exists', ARGV[3] .. process) == 0 then
  return redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
end
return nil`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One turn per conversation at a time across every process: turns of this process queue in arrival
 * order (KeyedLock), and the one at the head takes a Redis lease (`SET NX PX`, renewed while the turn
 * runs, released only by its holder). So a user's quick double press, or two webhook deliveries
 * landing on two instances, run one after the other on fresh state instead of one losing its turn.
 *
 * The lease is an optimisation of fairness, not the guard of correctness: if Redis is unreachable, or
 * the wait runs out, the turn runs anyway and the state's eTag (bot/storage.ts) still refuses a
 * stale save (the user is asked to try again). Each process keeps a heartbeat key alive while it runs;
 * a lease whose holder's heartbeat has stopped (the process was killed) is taken over as soon as that
 * key expires (seconds), not when the lease would.
 */
export class RedisConversationLock implements ConversationLock {
  private readonly local = new KeyedLock();
  private readonly leaseMs: number;
  private readonly waitMs: number;
  private readonly maxHoldMs: number;
  private readonly heartbeatMs: number;
  /** This process, as named in its lease tokens and its heartbeat key. */
  readonly processId = randomUUID();
  private heartbeat: NodeJS.Timeout | undefined;
  private beating: Promise<unknown> | undefined;
  /** Leases taken over from processes that had stopped (for tests and logs). */
  takeovers = 0;
  private lastWarning = 0;
  /**
   * Leases of turns of this process that have finished but whose release did not reach Redis (a
   * command timeout on a busy process): the next turn of the conversation takes them over instead of
   * waiting for them to expire.
   */
  private readonly unreleased = new Map<string, string>();

  constructor(private readonly options: RedisConversationLockOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.maxHoldMs = options.maxHoldMs ?? 60_000;
    this.heartbeatMs = options.heartbeatMs ?? 5_000;
  }

  private get processKeyPrefix(): string {
    return `${this.options.prefix}:turnproc:`;
  }

  /** Says this process is alive, now and then every third of the heartbeat, until `close`. */
  private alive(): Promise<unknown> {
    if (!this.beating) {
      const beat = () =>
        this.options
          .redis()
          .set(`${this.processKeyPrefix}${this.processId}`, '1', 'PX', this.heartbeatMs)
          .catch((error) => this.warn(error, 'could not refresh the process heartbeat'));
      this.beating = beat();
      this.heartbeat = setInterval(beat, Math.max(50, Math.floor(this.heartbeatMs / 3)));
      this.heartbeat.unref();
    }
    return this.beating;
  }

  /** Stops the heartbeat (the process is stopping; its leases are released by their turns). */
  close(): void {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, () => this.acrossProcesses(key, work));
  }

  private async acrossProcesses<T>(key: string, work: () => Promise<T>): Promise<T> {
    const redisKey = `${this.options.prefix}:turnlock:${key}`;
    const token = `${this.processId}:${randomUUID()}`;
    await this.alive();
    const held = await this.acquire(redisKey, token);
    if (!held) return work();
    const started = Date.now();
    const renewal = setInterval(
      () => {
        if (Date.now() - started > this.maxHoldMs) {
          clearInterval(renewal);
          return;
        }
        this.options
          .redis()
          .eval(RENEW, 1, redisKey, token, String(this.leaseMs))
          .catch((error) => this.warn(error, 'could not renew a conversation lease'));
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    renewal.unref();
    try {
      return await work();
    } finally {
      clearInterval(renewal);
      await this.options
        .redis()
        .eval(RELEASE, 1, redisKey, token)
        .catch((error) => {
          if (this.unreleased.size >= 1000) this.unreleased.clear(); // expired by now, or soon
          this.unreleased.set(redisKey, token);
          this.warn(error, 'could not release a conversation lease');
        });
    }
  }

  /** True once the lease is ours; false when Redis fails or another turn holds it past the wait. */
  private async acquire(redisKey: string, token: string): Promise<boolean> {
    const deadline = Date.now() + this.waitMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const ok = await this.options.redis().set(redisKey, token, 'PX', this.leaseMs, 'NX');
        if (ok === 'OK') return true;
        const stale = this.unreleased.get(redisKey);
        if (stale !== undefined) {
          this.unreleased.delete(redisKey);
          const taken = await this.options
            .redis()
            .eval(TAKE_OVER, 1, redisKey, stale, token, String(this.leaseMs));
          if (taken === 'OK') return true;
        }
        const fromDead = await this.options
          .redis()
          .eval(TAKE_OVER_DEAD, 1, redisKey, token, String(this.leaseMs), this.processKeyPrefix);
        if (fromDead === 'OK') {
          this.takeovers += 1;
          this.options.logger.info(
            { key: redisKey },
            'took over the conversation lease of a stopped process',
          );
          return true;
        }
      } catch (error) {
        this.warn(error, 'conversation lease unavailable; relying on the state eTag');
        return false;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        this.options.logger.warn(
          { key: redisKey },
          'waited too long for a conversation lease; running anyway',
        );
        return false;
      }
      await sleep(Math.min(left, 20 * 2 ** Math.min(attempt, 3)));
    }
  }

  private warn(error: unknown, message: string): void {
    if (Date.now() - this.lastWarning < 60_000) return;
    this.lastWarning = Date.now();
    this.options.logger.warn({ err: error }, message);
  }
}
