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
    await closeRedis(client);
  }
}

/**
 * Closes a connection and leaves nothing behind that would keep the process alive: QUIT when it is
 * connected (replies on their way still arrive), else disconnect. ioredis's disconnect() arms a 2 s
 * timer (`disconnectTimeout`, not unref'd) to destroy a half-open socket, cleared by the socket's
 * 'close' event; a socket that had already closed (Redis down, the client waiting to retry) never
 * emits it again, so a process (a jest worker) would wait 2 s more for nothing. Let that listener see
 * the 'close' that already happened.
 */
export async function closeRedis(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  if (client.status === 'ready') {
    const quit = await client.quit().then(
      () => true,
      () => false,
    );
    if (quit) return;
  }
  const stream = client.stream as Redis['stream'] | undefined;
  client.disconnect();
  if (stream?.closed) stream.emit('close', false);
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
