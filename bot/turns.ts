import { randomUUID } from 'node:crypto';
import { type Activity, ActivityTypes, TurnContext } from 'botbuilder';
import { channelOf, chatUserOf, TURN_INFO, type TurnInfo } from '../dialogs/turn';
import { resolveLocale, t } from '../i18n';
import type { Logger } from '../platform/logger';
import type { BindingService } from '../services/contracts';
import type { Queryable } from '../services/db/database';
import { toStorable } from '../services/text';
import type { ConversationLock } from './conversation-lock';
import { KeyedLock } from './keyed-lock';
import './messages';
import type { BotStates } from './state';
import { isEtagConflict } from './storage';

export interface TurnPipelineDeps {
  db: Queryable;
  bindings: Pick<BindingService, 'touch'>;
  logger: Logger;
  /** The ActivityHandler (HelpdeskBot): runs the dialogs. */
  bot: { run(context: TurnContext): Promise<void> };
  /** Conversation and user state: the pipeline commits them with the inbound mark. */
  states: Pick<BotStates, 'commit'>;
  /** One turn per conversation at a time: across processes in the app (Redis), in this process by default. */
  lock?: ConversationLock;
  /** Test seam: runs after the dialogs and before the commit (to simulate a crash right there). */
  beforeCommit?: (context: TurnContext) => Promise<void>;
}

export interface TurnOptions {
  /**
   * An activity that came from outside (a channel's request): deduplicated by id and its conversation
   * reference stored on the binding. Proactive turns we start ourselves (resume) are neither.
   */
  inbound: boolean;
}

export type TurnOutcome = 'handled' | 'duplicate' | 'failed' | 'conflict';

/**
 * Every turn of every channel goes through here, whatever the adapter:
 * 1. one turn per conversation at a time (bot/conversation-lock.ts: in this process and, through a
 *    Redis lease, across processes);
 * 2. an inbound activity id handled before (a resent webhook, a Teams retry after 15 s, a page's
 *    resend after a lost answer) is dropped;
 * 3. the conversation reference is stored on the chat binding, so workers can write proactively;
 * 4. the dialogs run; then the state they changed and the inbound id are committed in one transaction.
 *    A crash before that commit leaves neither: the resend runs the turn again from the state before
 *    it, and what the turn did in the services is keyed so that it happens once (a ticket is filed by
 *    its flow's key). Should two turns still overlap (Redis down, a hung turn), the state's eTag
 *    catches it: the losing turn's state is not saved and the user is told politely to look at the
 *    latest reply and try again;
 * 5. a failing turn becomes a localized apology (never a stack trace) and is logged with its turn id;
 *    its inbound id is marked, so a resend does not repeat half of it.
 */
export class TurnPipeline {
  private readonly lock: ConversationLock;

  constructor(private readonly deps: TurnPipelineDeps) {
    this.lock = deps.lock ?? new KeyedLock();
  }

  async handle(context: TurnContext, options: TurnOptions): Promise<TurnOutcome> {
    const activity = context.activity;
    const turnId = activity.id ?? randomUUID();
    const log = this.deps.logger.child({ turnId, channelId: activity.channelId, type: activity.type });
    const inboundKey =
      options.inbound && activity.id
        ? `${activity.channelId}:${activity.conversation?.id ?? ''}:${activity.id}`.slice(0, 500)
        : undefined;
    const conversationKey = `${activity.channelId}/${activity.conversation?.id ?? chatUserOf(activity)}`;
    return this.lock.run(conversationKey, async () => {
      if (inboundKey && (await this.seen(inboundKey))) {
        log.info('duplicate inbound activity ignored');
        return 'duplicate';
      }
      try {
        if (options.inbound) await this.storeReference(activity);
        await this.deps.bot.run(context);
        await this.deps.beforeCommit?.(context);
        if ((await this.deps.states.commit(context, inboundKey)) === 'duplicate') {
          log.info('inbound activity handled meanwhile by another process: this turn is not kept');
          return 'duplicate';
        }
        return 'handled';
      } catch (error) {
        const conflict = isEtagConflict(error);
        if (conflict)
          log.warn({ key: (error as { key?: string }).key }, 'turn lost a state race with another process');
        else log.error({ err: error }, 'turn failed');
        if (inboundKey) await this.markSeen(inboundKey).catch(() => undefined);
        await this.apologize(context, conflict ? 'runtime.turn_conflict' : 'runtime.turn_failed', log);
        return conflict ? 'conflict' : 'failed';
      }
    });
  }

  private async seen(key: string): Promise<boolean> {
    const { rows } = await this.deps.db.query('select 1 from inbound_seen where key = $1', [key]);
    return rows.length > 0;
  }

  private async markSeen(key: string): Promise<void> {
    await this.deps.db.query('insert into inbound_seen (key) values ($1) on conflict (key) do nothing', [
      key,
    ]);
  }

  private async storeReference(activity: Activity): Promise<void> {
    const chatUserId = chatUserOf(activity);
    if (!chatUserId) return;
    // The binding's locale is the user's choice (set by the dialogs), so only the reference is refreshed
    // here; names and ids from the channel are metadata, stored without characters PostgreSQL refuses.
    await this.deps.bindings.touch(channelOf(activity), chatUserId, {
      conversationRef: toStorable(TurnContext.getConversationReference(activity)),
    });
  }

  private async apologize(context: TurnContext, key: string, log: Logger): Promise<void> {
    const info = context.turnState.get(TURN_INFO) as TurnInfo | undefined;
    const locale = info?.locale ?? resolveLocale(context.activity.locale);
    try {
      await context.sendActivity({ type: ActivityTypes.Message, text: t(locale, key), locale });
    } catch (error) {
      log.warn({ err: error }, 'could not send the apology');
    }
  }
}
