import type { Activity, ConversationReference, TurnContext } from 'botbuilder';
import type { AppContext } from '../../app/context';
import {
  type AdaptiveCard,
  type CardElement,
  card,
  cardAttachment,
  clip,
  submitAction,
  textBlock,
} from '../../bot/render/teams';
import { createTeamsAdapter, type TeamsAdapter } from '../../bot/teams/adapter';
import { CardStore, newCardId } from '../../bot/teams/cards';
import type { Logger } from '../../platform/logger';
import {
  type ChatAddress,
  type ChatSender,
  type ChatSenderFactory,
  type OutboundMessage,
  RecipientUnreachableError,
  RetryLaterError,
} from './types';

/**
 * The Teams sender (F9 progress, F10 rating, S2 staff alerts): a proactive message on a stored
 * conversation reference, sent with `continueConversationAsync` and the app's credentials alone (no
 * incoming activity, no TurnContext kept from a turn).
 *
 * Failures:
 * - 403 (BotNotInConversationRoster, MessageWritesBlocked) / 404 (ConversationNotFound): the user removed
 *   the bot. The binding is marked unreachable and `TeamsRecipientGoneError` (a RecipientUnreachableError)
 *   makes the delivery fall back to the ticket's other contact (SMS/email).
 * - 429 / 412 / 502 / 504: retried here with backoff, honouring Retry-After. (botbuilder 4.23.3's HTTP
 *   pipeline, @azure/core-rest-pipeline, already retries 429-with-Retry-After and 5xx up to 3 times per
 *   call; this loop covers 412, 429 without Retry-After and what the pipeline gave up on.) A wait longer
 *   than `maxInlineWaitMs`, or a 429 still there after the last attempt, becomes RetryLaterError so the
 *   job queue waits instead of this process.
 */

const RETRYABLE = new Set([412, 429, 502, 504]);

export class TeamsRecipientGoneError extends RecipientUnreachableError {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(
      `Teams answered ${status}${code ? ` ${code}` : ''}: the bot can no longer write to this conversation`,
    );
    this.name = 'TeamsRecipientGoneError';
  }
}

export interface TeamsSenderOptions {
  /** Attempts per send, the first included. */
  attempts?: number;
  baseDelayMs?: number;
  /** Longest wait this process sleeps through; longer ones go back to the queue. */
  maxInlineWaitMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface HttpFailure {
  status: number | undefined;
  code: string | undefined;
  retryAfterMs: number | undefined;
}

function failureOf(error: unknown): HttpFailure {
  const e = error as {
    statusCode?: number;
    code?: string;
    response?: { status?: number; headers?: { get?(name: string): string | undefined } };
  };
  const status = e?.statusCode ?? e?.response?.status;
  const header = e?.response?.headers?.get?.('retry-after');
  return {
    status,
    code: typeof e?.code === 'string' ? e.code : undefined,
    retryAfterMs: parseRetryAfter(header),
  };
}

/** Retry-After in seconds or as an HTTP date. */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** The notification as an Adaptive Card: headline (red when it must stand out), body, hints, buttons. */
export function notificationCard(message: OutboundMessage, cardId?: string): AdaptiveCard {
  const body: CardElement[] = [
    {
      type: 'Container',
      style: message.highlight ? 'attention' : 'emphasis',
      bleed: true,
      items: [
        textBlock(clip(`${message.highlight ? '❗ ' : ''}${message.title}`, 200), {
          size: 'Medium',
          weight: 'Bolder',
          color: message.highlight ? 'Attention' : 'Default',
          style: 'heading',
        }),
      ],
    },
    textBlock(clip(message.text, 3000)),
  ];
  for (const hint of message.hints ?? [])
    body.push(textBlock(clip(hint, 300), { isSubtle: true, spacing: 'Small' }));
  return card(
    body,
    message.actions.map((a) => submitAction({ label: a.label, value: a.value }, cardId)),
  );
}

export class TeamsSender implements ChatSender {
  readonly channel = 'teams' as const;
  private readonly cards: CardStore;
  private readonly log: Logger;

  constructor(
    private readonly ctx: AppContext,
    private readonly adapter: TeamsAdapter,
    private readonly options: TeamsSenderOptions = {},
  ) {
    this.cards = new CardStore(ctx.db);
    this.log = ctx.logger.child({ component: 'teams-sender' });
  }

  async send(to: ChatAddress, message: OutboundMessage): Promise<void> {
    // Customers' cards get the used-card guard (their buttons go to the dialogs); staff alert buttons act
    // through the staff services, which refuse a second accept by themselves.
    const cardId = to.kind === 'chat' && message.actions.length > 0 ? newCardId() : undefined;
    const activity: Partial<Activity> = {
      type: 'message',
      locale: message.locale,
      summary: clip(message.title, 100),
      attachments: [cardAttachment(notificationCard(message, cardId))],
    };
    const target = await this.target(to);
    const sent = await this.withRetries(() => this.sendOnce(target, activity), to);
    if (cardId && sent.activityId) {
      await this.cards
        .remember(cardId, {
          activityId: sent.activityId,
          conversationId: sent.conversationId,
          headline: message.title,
          choices: message.actions.map((a) => ({ label: a.label, value: a.value })),
        })
        .catch((error) => this.log.warn({ err: error }, 'could not remember a sent card'));
    }
  }

  /** Where the message goes: a stored reference, the staff channel, or a new 1:1 chat with a staff member. */
  private async target(to: ChatAddress): Promise<Target> {
    const config = this.ctx.config;
    if (to.kind === 'chat') {
      const reference = asReference(to.conversationRef);
      if (!reference)
        throw new RecipientUnreachableError('no Teams conversation reference stored for this chat user');
      return { kind: 'reference', reference };
    }
    if (to.kind === 'staff_group') {
      if (!config.TEAMS_STAFF_CONVERSATION_ID || !config.TEAMS_STAFF_SERVICE_URL) {
        throw new RecipientUnreachableError(
          'no Teams staff channel configured (TEAMS_STAFF_CONVERSATION_ID/SERVICE_URL)',
        );
      }
      return {
        kind: 'reference',
        reference: {
          channelId: 'msteams',
          serviceUrl: config.TEAMS_STAFF_SERVICE_URL,
          conversation: {
            id: config.TEAMS_STAFF_CONVERSATION_ID,
            isGroup: true,
            conversationType: 'channel',
            name: '',
          },
          bot: { id: this.botId(), name: '' },
        },
      };
    }
    // A staff member: their personal chat with the bot if they ever wrote to it, else a new one.
    const binding = await this.ctx.services.bindings.get('teams', to.userId);
    const stored = binding?.reachable ? asReference(binding.conversationRef) : undefined;
    if (stored) return { kind: 'reference', reference: stored };
    if (!config.TEAMS_STAFF_SERVICE_URL) {
      throw new RecipientUnreachableError(
        'no conversation with this staff member and no TEAMS_STAFF_SERVICE_URL to start one',
      );
    }
    return { kind: 'new_personal', serviceUrl: config.TEAMS_STAFF_SERVICE_URL, userId: to.userId };
  }

  private botId(): string {
    return this.adapter.appId ? `28:${this.adapter.appId}` : '28:helpdesk-bot';
  }

  private async sendOnce(
    target: Target,
    activity: Partial<Activity>,
  ): Promise<{ activityId?: string; conversationId: string }> {
    let failure: unknown;
    let result: { activityId?: string; conversationId: string } | undefined;
    // The adapter's onTurnError would swallow a failed send: the logic keeps the error and rethrows it here.
    const logic = async (context: TurnContext) => {
      // botbuilder makes a proactive message a reply to its made-up continuation activity; a new post
      // (sendToConversation) is what a channel thread and a personal chat both expect.
      context.onSendActivities(async (_context, activities, next) => {
        for (const a of activities) delete a.replyToId;
        return next();
      });
      try {
        const response = await context.sendActivity({ ...activity });
        result = { activityId: response?.id, conversationId: context.activity.conversation?.id ?? '' };
      } catch (error) {
        failure = error;
      }
    };
    if (target.kind === 'reference') {
      // A fresh message, not a reply to whatever the user said last.
      const { activityId: _last, ...reference } = target.reference;
      await this.adapter.continueWith(reference, logic);
    } else {
      await this.adapter.createConversationAsync(
        this.adapter.appId,
        'msteams',
        target.serviceUrl,
        'https://api.botframework.com',
        {
          isGroup: false,
          bot: { id: this.botId(), name: '' },
          members: [{ id: target.userId, name: '' }],
          tenantId: this.ctx.config.MicrosoftAppTenantId,
          channelData: this.ctx.config.MicrosoftAppTenantId
            ? { tenant: { id: this.ctx.config.MicrosoftAppTenantId } }
            : undefined,
        },
        logic,
      );
    }
    if (failure) throw failure;
    if (!result) throw new Error('Teams send: the proactive turn did not run');
    return result;
  }

  private async withRetries<T>(work: () => Promise<T>, to: ChatAddress): Promise<T> {
    const attempts = this.options.attempts ?? 3;
    const base = this.options.baseDelayMs ?? 1000;
    const maxInline = this.options.maxInlineWaitMs ?? 30_000;
    const sleep =
      this.options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (error) {
        const { status, code, retryAfterMs } = failureOf(error);
        if (status === 403 || status === 404) {
          if (to.kind === 'chat') await this.ctx.services.bindings.markUnreachable('teams', to.chatUserId);
          if (to.kind === 'staff')
            await this.ctx.services.bindings.markUnreachable('teams', to.userId).catch(() => undefined);
          this.log.info({ status, code, to: to.kind }, 'Teams recipient gone: falling back');
          throw new TeamsRecipientGoneError(status, code);
        }
        if (status === undefined || !RETRYABLE.has(status)) throw cleanError(error, status, code);
        const wait = retryAfterMs ?? Math.min(base * 2 ** (attempt - 1), maxInline);
        if (attempt >= attempts || wait > maxInline) {
          if (status === 429 || wait > maxInline) {
            throw new RetryLaterError(`Teams answered ${status} (throttled)`, Math.max(wait, base));
          }
          throw cleanError(error, status, code);
        }
        this.log.info({ status, attempt, waitMs: wait }, 'Teams send: retrying');
        await sleep(wait);
      }
    }
  }
}

type Target =
  | { kind: 'reference'; reference: Partial<ConversationReference> }
  | { kind: 'new_personal'; serviceUrl: string; userId: string };

function asReference(value: unknown): Partial<ConversationReference> | undefined {
  const ref = value as Partial<ConversationReference> | null | undefined;
  return ref && typeof ref === 'object' && ref.conversation?.id && ref.serviceUrl ? ref : undefined;
}

/** The error for the job log: status and Teams' error code, nothing from headers or bodies. */
function cleanError(error: unknown, status: number | undefined, code: string | undefined): Error {
  if (status === undefined) return error instanceof Error ? error : new Error(String(error));
  return new Error(`Teams send failed: HTTP ${status}${code ? ` ${code}` : ''}`);
}

/** Registered in workers/senders/index.ts: a sender when the Teams channel is on. */
export const createTeamsSender: ChatSenderFactory = (ctx) =>
  ctx.config.CHANNELS.includes('teams')
    ? new TeamsSender(ctx, createTeamsAdapter(ctx.config, ctx.logger.child({ component: 'teams' })))
    : undefined;
