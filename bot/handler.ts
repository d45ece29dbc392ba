import { ActivityHandler, type TurnContext } from 'botbuilder';
import type { BotStates } from './state';

/** The dialogs as the bot sees them (HelpdeskDialogs from dialogs/index.ts, or a test double). */
export interface DialogRunner {
  run(context: TurnContext): Promise<void>;
}

/**
 * The bot's ActivityHandler: messages, events (helpdesk.resume) and members joining go to the dialogs;
 * other activity types (typing, reactions, ...) are ignored. Conversation and user state are saved after
 * the dialogs ran. When the turn throws, nothing is saved: the conversation stays as it was before the
 * failed turn, so a half-applied step never sticks (the caller apologizes).
 */
export class HelpdeskBot extends ActivityHandler {
  constructor(
    private readonly dialogs: DialogRunner,
    private readonly states: BotStates,
  ) {
    super();
    this.onMessage(async (context, next) => {
      await this.dialogs.run(context);
      await next();
    });
    this.onEvent(async (context, next) => {
      await this.dialogs.run(context);
      await next();
    });
    this.onMembersAdded(async (context, next) => {
      const botId = context.activity.recipient?.id;
      // Teams announces the bot itself joining too: welcome people only.
      if ((context.activity.membersAdded ?? []).some((m) => m.id !== botId)) await this.dialogs.run(context);
      await next();
    });
  }

  override async run(context: TurnContext): Promise<void> {
    await super.run(context);
    await this.states.conversationState.saveChanges(context, false);
    await this.states.userState.saveChanges(context, false);
  }
}
