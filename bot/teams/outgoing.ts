import type { Activity, TurnContext } from 'botbuilder';
import { replyOf } from '../../dialogs/say';
import type { Logger } from '../../platform/logger';
import { isInteractive, renderTeamsActivity, usedCardModel } from '../render/teams';
import { type CardStore, newCardId } from './cards';

/**
 * Renders every activity a Teams turn sends (dialog replies, apologies, resume turns, worker pushes):
 * a channel-neutral reply becomes an Adaptive Card carrying a fresh card id in its buttons, and once
 * Teams has answered with the message id, the card is remembered so a press can update it in place.
 */
export function renderOutgoing(context: TurnContext, cards: CardStore, log: Logger): void {
  context.onSendActivities(async (_context, activities, next) => {
    const tracked: {
      index: number;
      cardId: string;
      headline: string;
      choices: { label: string; value: Activity['value'] }[];
    }[] = [];
    activities.forEach((activity, index) => {
      const reply = replyOf(activity);
      if (!reply) return;
      const cardId = isInteractive(reply) ? newCardId() : undefined;
      activities[index] = renderTeamsActivity(activity, cardId);
      if (cardId) {
        const model = usedCardModel(reply, activity.locale ?? 'zh-CN');
        tracked.push({
          index,
          cardId,
          headline: model.headline,
          choices: model.choices.map((c) => ({ label: c.label, value: c.value })),
        });
      }
    });
    const responses = await next();
    const conversationId = context.activity.conversation?.id ?? '';
    for (const card of tracked) {
      const activityId = responses?.[card.index]?.id;
      if (!activityId) continue;
      // A card we cannot remember still works; it just lacks the double-press guard.
      await cards
        .remember(card.cardId, { activityId, conversationId, headline: card.headline, choices: card.choices })
        .catch((error) => log.warn({ err: error }, 'teams: could not remember a sent card'));
    }
    return responses;
  });
}
