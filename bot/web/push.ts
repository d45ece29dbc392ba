import type { Activity } from 'botbuilder';
import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/logger';
import { closeRedis, createRedis } from '../../platform/redis';
import type { Queryable } from '../../services/db/database';

/** A stored message for a web chat user, waiting for (or already sent to) a browser. */
export interface InboxItem {
  id: number;
  activity: Partial<Activity>;
}

export type InboxListener = (item: InboxItem) => void;

export interface WebChatPushOptions {
  db: Queryable;
  redisUrl: string;
  /** config.REDIS_PREFIX: the channel is `${prefix}:webchat`. */
  redisPrefix: string;
  logger: Logger;
}

/**
 * Messages the bot sends a web chat user outside a request (progress pushes from the workers, the
 * chat's confirmation after a web sign-in). Every message is first stored in web_chat_inbox, then
 * announced on Redis (`${REDIS_PREFIX}:webchat`) so that whichever process holds the user's
 * server-sent-events connection sends it at once; a user with no open page gets it at the next visit.
 * Storing first means nothing is lost when Redis is down: the announcement is only a shortcut.
 */
export class WebChatPush {
  private publisher: Redis | undefined;
  private subscriber: Redis | undefined;
  private subscribing: Promise<void> | undefined;
  private readonly listeners = new Map<string, Set<InboxListener>>();
  readonly channel: string;

  constructor(private readonly options: WebChatPushOptions) {
    this.channel = `${options.redisPrefix}:webchat`;
  }

  /** Stores the activity for the chat user and tells every process; resolves with the inbox id. */
  async deliver(chatUserId: string, activity: Partial<Activity>): Promise<number> {
    const { rows } = await this.options.db.query<{ id: number }>(
      'insert into web_chat_inbox (chat_user_id, activity) values ($1, $2::jsonb) returning id',
      [chatUserId, JSON.stringify(activity)],
    );
    const id = rows[0]!.id;
    try {
      await this.redis().publish(this.channel, JSON.stringify({ chatUserId, id }));
    } catch (error) {
      // Stored already: the browser gets it at its next connect.
      this.options.logger.warn({ err: error }, 'web chat push: could not announce on Redis');
    }
    return id;
  }

  /**
   * Takes the messages still waiting for this chat user (oldest first) and marks them delivered in
   * the same statement, so that two pages connecting at once, or a reload racing a live push, never
   * both receive the backlog.
   */
  async claimPending(chatUserId: string, limit = 100): Promise<InboxItem[]> {
    const { rows } = await this.options.db.query<InboxItem>(
      `update web_chat_inbox set delivered_at = now()
       where delivered_at is null and id in (
         select id from web_chat_inbox
         where chat_user_id = $1 and delivered_at is null order by id limit $2)
       returning id, activity`,
      [chatUserId, limit],
    );
    return rows.sort((a, b) => a.id - b.id);
  }

  /**
   * Calls `listener` for each new message of this chat user announced from now on (any process); the
   * message is marked delivered before the listener sees it (every open page of the user gets it, a
   * page opened later does not). Returns the function that stops listening. Resolves once the Redis
   * subscription is active, so a caller that claims the backlog afterwards misses nothing (it may see
   * a message twice: dedupe by id).
   */
  async listen(chatUserId: string, listener: InboxListener): Promise<() => void> {
    await this.ensureSubscribed();
    let set = this.listeners.get(chatUserId);
    if (!set) {
      set = new Set();
      this.listeners.set(chatUserId, set);
    }
    set.add(listener);
    return () => {
      const current = this.listeners.get(chatUserId);
      current?.delete(listener);
      if (current && current.size === 0) this.listeners.delete(chatUserId);
    };
  }

  /** Connected web chat users in this process (diagnostics). */
  get connectedUsers(): number {
    return this.listeners.size;
  }

  async ping(): Promise<void> {
    await this.redis().ping();
  }

  async close(): Promise<void> {
    this.listeners.clear();
    const clients = [this.subscriber, this.publisher].filter((c): c is Redis => c !== undefined);
    this.subscriber = undefined;
    this.publisher = undefined;
    this.subscribing = undefined;
    await Promise.all(clients.map((c) => closeRedis(c)));
  }

  private redis(): Redis {
    if (!this.publisher) {
      this.publisher = createRedis(this.options.redisUrl, { maxRetriesPerRequest: 1 });
      this.publisher.on('error', (error) =>
        this.options.logger.warn({ err: error }, 'web chat push: Redis error'),
      );
    }
    return this.publisher;
  }

  private ensureSubscribed(): Promise<void> {
    this.subscribing ??= (async () => {
      const subscriber = createRedis(this.options.redisUrl);
      subscriber.on('error', (error) =>
        this.options.logger.warn({ err: error }, 'web chat push: Redis error'),
      );
      subscriber.on('message', (channel: string, message: string) => {
        if (channel === this.channel) void this.onAnnouncement(message);
      });
      this.subscriber = subscriber;
      await subscriber.subscribe(this.channel);
    })().catch((error) => {
      this.subscribing = undefined;
      throw error;
    });
    return this.subscribing;
  }

  private async onAnnouncement(message: string): Promise<void> {
    let note: { chatUserId?: unknown; id?: unknown };
    try {
      note = JSON.parse(message);
    } catch {
      return;
    }
    if (typeof note.chatUserId !== 'string' || typeof note.id !== 'number') return;
    const set = this.listeners.get(note.chatUserId);
    if (!set || set.size === 0) return;
    try {
      // Every process holding a page of this user runs this; coalesce keeps the first delivery time.
      const { rows } = await this.options.db.query<InboxItem>(
        `update web_chat_inbox set delivered_at = coalesce(delivered_at, now())
         where id = $1 and chat_user_id = $2 returning id, activity`,
        [note.id, note.chatUserId],
      );
      const item = rows[0];
      if (!item) return;
      for (const listener of [...set]) listener(item);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'web chat push: could not load an announced message');
    }
  }
}

/** For the workers' web chat sender: a push over the app's database and Redis. */
export function createWebChatPush(ctx: {
  db: Queryable;
  logger: Logger;
  config: { REDIS_URL: string; REDIS_PREFIX: string };
}): WebChatPush {
  return new WebChatPush({
    db: ctx.db,
    redisUrl: ctx.config.REDIS_URL,
    redisPrefix: ctx.config.REDIS_PREFIX,
    logger: ctx.logger,
  });
}
