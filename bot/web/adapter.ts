import { randomUUID } from 'node:crypto';
import {
  type Activity,
  BotAdapter,
  type ConversationReference,
  type ResourceResponse,
  TurnContext,
} from 'botbuilder';

/** Where a web chat message goes when no request of that user is waiting for it (see WebChatPush). */
export interface WebOutbox {
  deliver(chatUserId: string, activity: Partial<Activity>): Promise<unknown>;
}

export const WEB_CHANNEL_ID = 'web';
export const WEB_BOT_ID = 'helpdesk-bot';

const COLLECTOR = Symbol('webchat.collector');

/** The web chat's conversation with one chat user: one per user, named after it. */
export function webConversationId(chatUserId: string): string {
  return `webchat:${chatUserId}`;
}

/** The reference a proactive turn needs, for a web chat user who never spoke yet (or lost it). */
export function webReference(
  chatUserId: string,
  serviceUrl: string,
  locale?: string,
): Partial<ConversationReference> {
  return {
    channelId: WEB_CHANNEL_ID,
    serviceUrl,
    conversation: {
      id: webConversationId(chatUserId),
      isGroup: false,
      conversationType: 'personal',
      name: '',
    },
    user: { id: chatUserId, name: '' },
    bot: { id: WEB_BOT_ID, name: 'Helpdesk' },
    locale,
  };
}

/**
 * The web chat's botbuilder adapter. A request turn collects the bot's replies and hands them back to
 * the HTTP handler (the page shows them as the answer to its POST); anything sent outside a request
 * turn (proactive: resume after a web sign-in, continueConversation) goes to the user's inbox and is
 * pushed over server-sent events. Updates and deletes travel the same way, marked as such.
 */
export class WebChatAdapter extends BotAdapter {
  constructor(
    private readonly outbox: WebOutbox,
    /** Read per turn: the server learns its own URL only once it listens. */
    private readonly serviceUrl: () => string,
  ) {
    super();
  }

  /** Runs one request turn and returns the activities the bot sent during it, in order. */
  async processActivity(
    activity: Partial<Activity>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<Partial<Activity>[]> {
    const context = new TurnContext(this, {
      ...activity,
      channelId: WEB_CHANNEL_ID,
      serviceUrl: this.serviceUrl(),
    });
    const collected: Partial<Activity>[] = [];
    context.turnState.set(COLLECTOR, collected);
    await this.runMiddleware(context, logic);
    return collected;
  }

  async sendActivities(context: TurnContext, activities: Partial<Activity>[]): Promise<ResourceResponse[]> {
    const responses: ResourceResponse[] = [];
    for (const activity of activities) {
      const id = randomUUID();
      responses.push({ id });
      // Pacing and typing indicators mean nothing to a page that gets the whole answer at once.
      if (activity.type === 'delay' || activity.type === 'typing' || activity.type === 'trace') continue;
      await this.emit(context, { ...activity, id, timestamp: new Date() });
    }
    return responses;
  }

  async updateActivity(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    const channelData = { ...(activity.channelData ?? {}), webchat: { op: 'update' } };
    await this.emit(context, { ...activity, type: 'message', channelData, timestamp: new Date() });
  }

  async deleteActivity(context: TurnContext, reference: Partial<ConversationReference>): Promise<void> {
    await this.emit(context, { type: 'messageDelete', id: reference.activityId, timestamp: new Date() });
  }

  async continueConversation(
    reference: Partial<ConversationReference>,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const activity = TurnContext.applyConversationReference(
      { type: 'event', name: 'continueConversation', id: randomUUID() },
      { ...reference, channelId: WEB_CHANNEL_ID, serviceUrl: this.serviceUrl() },
      true,
    );
    const context = new TurnContext(this, activity);
    await this.runMiddleware(context, logic);
  }

  /** Bot Framework's newer entry point; the web chat has no app identity, so the first argument is ignored. */
  override async continueConversationAsync(
    _botAppIdOrClaims: unknown,
    reference: Partial<ConversationReference>,
    logicOrAudience: ((context: TurnContext) => Promise<void>) | string,
    maybeLogic?: (context: TurnContext) => Promise<void>,
  ): Promise<void> {
    const logic = typeof logicOrAudience === 'function' ? logicOrAudience : maybeLogic;
    if (!logic) throw new TypeError('continueConversationAsync: logic is required');
    await this.continueConversation(reference, logic);
  }

  private async emit(context: TurnContext, activity: Partial<Activity>): Promise<void> {
    const collected = context.turnState.get(COLLECTOR) as Partial<Activity>[] | undefined;
    if (collected) {
      collected.push(activity);
      return;
    }
    // The conversation's user: the sender of the turn's activity (for a proactive turn, the reference's user).
    const chatUserId = context.activity.from?.id;
    if (!chatUserId) throw new Error('web chat: no chat user to deliver to');
    await this.outbox.deliver(chatUserId, activity);
  }
}
