import { randomUUID } from 'node:crypto';
import { type Activity, ActivityTypes, TurnContext } from 'botbuilder';
import { channelOf, chatUserOf, TURN_INFO, type TurnInfo } from '../dialogs/turn';
import { resolveLocale, t } from '../i18n';
import type { Logger } from '../platform/logger';
import type { BindingService } from '../services/contracts';
import type { Queryable } from '../services/db/database';
import type { ConversationLock } from './conversation-lock';
import { KeyedLock } from './keyed-lock';
import './messages';
import { isEtagConflict } from './storage';

export interface TurnPipelineDeps {
  db: Queryable;
  bindings: Pick<BindingService, 'touch'>;
  logger: Logger;
  /** The ActivityHandler (HelpdeskBot): runs the dialogs and saves state. */
  bot: { run(context: TurnContext): Promise<void> };
  /** One turn per conversation at a time: across processes in the app (Redis), in this process by default. */
  lock?: ConversationLock;
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
 * 1. an inbound activity id seen before (a resent webhook, a Teams retry after 15 s) is dropped;
 * 2. one turn per conversation at a time (bot/conversation-lock.ts: in this process and, through a
 *    Redis lease, across processes). Should two turns still overlap (Redis down, a hung turn), the
 *    state's eTag catches it: the losing turn's state is not saved and the user is told politely to
 *    look at the latest reply and try again. We do not re-run the turn automatically: its side effects
 *    (a submitted ticket, a sent code) already happened once and must not happen twice;
 * 3. the conversation reference is stored on the chat binding, so workers can write proactively;
 * 4. a failing turn becomes a localized apology (never a stack trace) and is logged with its turn id.
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
    if (options.inbound && activity.id && !(await this.firstDelivery(activity))) {
      log.info('duplicate inbound activity ignored');
      return 'duplicate';
    }
    const conversationKey = `${activity.channelId}/${activity.conversation?.id ?? chatUserOf(activity)}`;
    return this.lock.run(conversationKey, async () => {
      try {
        if (options.inbound) await this.storeReference(activity);
        await this.deps.bot.run(context);
        return 'handled';
      } catch (error) {
        const conflict = isEtagConflict(error);
        if (conflict)
          log.warn({ key: (error as { key?: string }).key }, 'turn lost a state race with another process');
        else log.error({ err: error }, 'turn failed');
        await this.apologize(context, conflict ? 'runtime.turn_conflict' : 'runtime.turn_failed', log);
        return conflict ? 'conflict' : 'failed';
      }
    });
  }

  /** Records the activity id; false when it was recorded before (by this or another process). */
  private async firstDelivery(activity: Partial<Activity>): Promise<boolean> {
    const key = `${activity.channelId}:${activity.conversation?.id ?? ''}:${activity.id}`;
    const { rows } = await this.deps.db.query(
      'insert into inbound_seen (key) values ($1) on conflict (key) do nothing returning key',
      [key.slice(0, 500)],
    );
    return rows.length === 1;
  }

  private async storeReference(activity: Activity): Promise<void> {
    const chatUserId = chatUserOf(activity);
    if (!chatUserId) return;
    // The binding's locale is the user's choice (set by the dialogs), so only the reference is refreshed here.
    await this.deps.bindings.touch(channelOf(activity), chatUserId, {
      conversationRef: TurnContext.getConversationReference(activity),
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
