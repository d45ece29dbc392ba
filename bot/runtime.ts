import { randomUUID } from 'node:crypto';
import type { ConversationReference, TurnContext } from 'botbuilder';
import type { AppContext } from '../app/context';
import type { HttpModule, ReadinessCheck } from '../http/server';
import type { Config } from '../platform/config';
import { createRedisRateLimiter, type RequestLimit, requestLimit } from '../platform/rate-limit';
import { closeRedis, createRedis } from '../platform/redis';
import type { ChatChannel } from '../services/contracts';
import { RedisConversationLock } from './conversation-lock';
import { type DialogRunner, HelpdeskBot } from './handler';
import { RendererRegistry } from './render';
import { type BotStates, createStates } from './state';
import { TurnPipeline, type TurnPipelineDeps } from './turns';

export type ResumeEvent = { kind: 'signed_in' | 'password_changed' | 'password_reset' };

/** What the composition root gets from the bot (contract in the team brief). */
export interface BotRuntime {
  modules: HttpModule[];
  readiness: ReadinessCheck[];
  /** Runs a `helpdesk.resume` event turn for the chat user, so the chat confirms what happened on a web page. */
  resume(channel: ChatChannel, chatUserId: string, event: ResumeEvent): Promise<void>;
  /**
   * A rate limiter shared by every process (Redis, under REDIS_PREFIX), for the bot's own endpoints and
   * the secret pages. Optional in the contract: callers fall back to a per-process limiter.
   */
  rateLimiter?(name: string, max: number, windowSeconds: number): RequestLimit;
  stop(): Promise<void>;
}

/** What a channel plugin gets to build its adapter and endpoints. */
export interface BotCore {
  ctx: AppContext;
  /** Dedupe, per-conversation lock, binding reference, dialogs, state, apology: call it for every inbound turn. */
  pipeline: TurnPipeline;
  states: BotStates;
  /** Channel renderers by botbuilder channel id; plugins register theirs. */
  renderers: RendererRegistry;
  rateLimiter(name: string, max: number, windowSeconds: number): RequestLimit;
}

/** A running channel: its HTTP endpoints and how to start a proactive turn on a stored reference. */
export interface ChannelInstance {
  modules: HttpModule[];
  readiness?: ReadinessCheck[];
  /** Starts a turn on a stored conversation reference (e.g. adapter.continueConversationAsync with the app id). */
  continueConversation(
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void>;
  /** A reference for a chat user without a stored one (web chat can make one up; Teams cannot). */
  defaultReference?(chatUserId: string): Partial<ConversationReference>;
  stop?(): Promise<void>;
}

/**
 * The seam for channels: the web chat here, Teams (bot/teams) and WeCom next to it. A plugin is
 * enabled by configuration and registered in bot/plugins.ts.
 */
export interface ChannelPlugin {
  channel: ChatChannel;
  enabled(config: Config): boolean;
  create(core: BotCore): Promise<ChannelInstance>;
}

export type DialogsFactory = (
  deps: { services: AppContext['services']; config: Config; now: () => Date; logger: AppContext['logger'] },
  conversationState: BotStates['conversationState'],
  userState: BotStates['userState'],
) => DialogRunner;

export interface BotRuntimeOptions {
  dialogs: DialogsFactory;
  plugins: ChannelPlugin[];
  /** Test seams (fault injection in a child process): see TurnPipelineDeps. */
  hooks?: Pick<TurnPipelineDeps, 'beforeCommit'>;
  /** Extra HTTP modules mounted with the bot's (diagnostics, a channel without a plugin). */
  modules?: HttpModule[];
}

/** Builds the bot over the app context: state on the database, the dialogs, every enabled channel. */
export async function createBotRuntime(
  ctx: AppContext,
  options: BotRuntimeOptions,
): Promise<BotRuntime & { core: BotCore }> {
  const states = createStates(ctx.db);
  const dialogs = options.dialogs(
    { services: ctx.services, config: ctx.config, now: ctx.now, logger: ctx.logger },
    states.conversationState,
    states.userState,
  );
  const bot = new HelpdeskBot(dialogs);
  // One Redis connection for the rate limits and conversation leases of this process, opened on first use.
  let runtimeRedis: ReturnType<typeof createRedis> | undefined;
  const redis = () => {
    if (!runtimeRedis) {
      // A turn must not hang on a Redis that is down: both users of this connection fail open.
      runtimeRedis = createRedis(ctx.config.REDIS_URL, { maxRetriesPerRequest: 1, commandTimeout: 2000 });
      runtimeRedis.on('error', (error) => ctx.logger.warn({ err: error }, 'bot runtime: Redis error'));
    }
    return runtimeRedis;
  };
  const lock = new RedisConversationLock({ redis, prefix: ctx.config.REDIS_PREFIX, logger: ctx.logger });
  const pipeline = new TurnPipeline({
    db: ctx.db,
    bindings: ctx.services.bindings,
    logger: ctx.logger,
    bot,
    states,
    lock,
    beforeCommit: options.hooks?.beforeCommit,
  });
  const limiter = createRedisRateLimiter({
    redis,
    prefix: `${ctx.config.REDIS_PREFIX}:ratelimit`,
    logger: ctx.logger,
  });
  const rateLimiter = (name: string, max: number, windowSeconds: number): RequestLimit =>
    requestLimit(limiter, name, max, windowSeconds);
  const core: BotCore = { ctx, pipeline, states, renderers: new RendererRegistry(), rateLimiter };

  const channels = new Map<ChatChannel, ChannelInstance>();
  for (const plugin of options.plugins) {
    if (plugin.enabled(ctx.config)) channels.set(plugin.channel, await plugin.create(core));
  }

  return {
    core,
    modules: [...[...channels.values()].flatMap((c) => c.modules), ...(options.modules ?? [])],
    readiness: [...channels.values()].flatMap((c) => c.readiness ?? []),

    async resume(channel, chatUserId, event) {
      const instance = channels.get(channel);
      if (!instance) throw new Error(`resume: channel ${channel} is not enabled`);
      const binding = await ctx.services.bindings.get(channel, chatUserId);
      const stored = binding?.conversationRef as Partial<ConversationReference> | null | undefined;
      const reference = stored?.conversation ? stored : instance.defaultReference?.(chatUserId);
      if (!reference) throw new Error(`resume: no conversation reference for this ${channel} chat user`);
      await instance.continueConversation(reference, async (context) => {
        // The proactive turn's activity becomes our resume event, addressed like the stored conversation.
        Object.assign(context.activity, {
          type: 'event',
          name: 'helpdesk.resume',
          value: event,
          id: randomUUID(),
          locale: binding?.locale ?? reference.locale ?? context.activity.locale,
          timestamp: new Date(),
        });
        await pipeline.handle(context, { inbound: false });
      });
    },

    rateLimiter,

    async stop() {
      for (const instance of [...channels.values()].reverse()) await instance.stop?.();
      lock.close();
      await limiter.close(); // later hits fail open instead of reopening the connection
      const connection = runtimeRedis;
      runtimeRedis = undefined;
      if (connection) await closeRedis(connection);
    },
  };
}
