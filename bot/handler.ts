import { ActivityHandler, type TurnContext } from 'botbuilder';

/** The dialogs as the bot sees them (HelpdeskDialogs from dialogs/index.ts, or a test double). */
export interface DialogRunner {
  run(context: TurnContext): Promise<void>;
}

/**
 * The bot's ActivityHandler: messages, events (helpdesk.resume) and members joining go to the dialogs;
 * other activity types (typing, reactions, ...) are ignored. It does not save state: the turn pipeline
 * commits the state the dialogs changed together with the inbound mark (bot/turns.ts), and when the
 * turn throws nothing is saved, so a half-applied step never sticks (the pipeline apologizes).
 */
export class HelpdeskBot extends ActivityHandler {
  constructor(private readonly dialogs: DialogRunner) {
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
}
