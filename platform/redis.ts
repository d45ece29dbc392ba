import IORedis, { type Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for BullMQ and the shared caches. BullMQ wants `maxRetriesPerRequest: null`
 * on connections that block (workers); it is harmless elsewhere.
 */
export function createRedis(url: string, options: RedisOptions = {}): Redis {
  return new IORedis(url, {
    maxRetriesPerRequest: null,
    enableReadyCheck: true,
    lazyConnect: false,
    ...options,
  });
}

export class RedisUnreachableError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(
      `Redis is not reachable at ${safeUrl(url)} (${(cause as Error)?.message ?? cause}). ` +
        'Start one with `redis-server --daemonize yes --port 6379`, or point REDIS_URL at a running Redis.',
    );
    this.name = 'RedisUnreachableError';
  }
}

/** Pings Redis once, within `timeoutMs`; throws RedisUnreachableError with the fix when it cannot. */
export async function checkRedis(url: string, timeoutMs = 3000): Promise<void> {
  const client = new IORedis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    connectTimeout: timeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new RedisUnreachableError(url, error);
  } finally {
    client.disconnect();
  }
}

/** The URL without its password, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
