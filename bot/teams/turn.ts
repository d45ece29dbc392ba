import { randomUUID } from 'node:crypto';
import type { TurnContext } from 'botbuilder';
import type { AppContext } from '../../app/context';
import { pressedValue } from '../../dialogs/input';
import { resolveLocale, t } from '../../i18n';
import type { Logger } from '../../platform/logger';
import { CARD_ID_KEY, cardAttachment, renderUsedCard } from '../render/teams';
import type { TurnPipeline } from '../turns';
import type { CardStore } from './cards';
import { isPersonal, isUninstall, normalizeInstall } from './lifecycle';
import './messages';
import { renderOutgoing } from './outgoing';
import { handleStaffAction, isStaffAction } from './staff-actions';

export interface TeamsTurnDeps {
  ctx: AppContext;
  pipeline: Pick<TurnPipeline, 'handle'>;
  cards: CardStore;
  logger: Logger;
}

/**
 * One inbound Teams activity, after authentication: uninstall bookkeeping, staff alert buttons, the
 * card double-press guard, then the bot core's pipeline (activity-id dedupe, per-conversation lock,
 * conversation reference on the binding, dialogs). Replies are rendered as Adaptive Cards on the way out.
 */
export function createTeamsTurn(deps: TeamsTurnDeps): (context: TurnContext) => Promise<void> {
  const { ctx, cards, logger } = deps;
  return async (context) => {
    renderOutgoing(context, cards, logger);
    const activity = context.activity;
    const locale = resolveLocale(activity.locale);

    if (isUninstall(activity)) {
      if (isPersonal(activity) && activity.from?.id) {
        await ctx.services.bindings.markUnreachable('teams', activity.from.id);
        logger.info('teams: app removed from a personal chat; binding marked unreachable');
      } else {
        logger.warn(
          { conversationId: activity.conversation?.id },
          'teams: bot removed from a team or group chat',
        );
      }
      return;
    }
    normalizeInstall(activity);

    const pressed = pressedValue(activity);
    if (isStaffAction(pressed)) {
      if (await firstDelivery(ctx, 'staff', activity)) {
        await handleStaffAction(ctx, context, pressed);
      }
      return;
    }

    const cardId = pressed?.[CARD_ID_KEY];
    if (pressed && cardId !== undefined) {
      // The card id is the channel's business; the dialogs get the ActionValue as the contract says.
      delete (activity.value as Record<string, unknown>)[CARD_ID_KEY];
      delete pressed[CARD_ID_KEY];
      const claim = await cards.claim(String(cardId), activity.id ?? randomUUID(), pressed, ctx.now());
      if (claim.status === 'used') {
        if (await firstDelivery(ctx, 'card-used', activity)) {
          await context.sendActivity({ type: 'message', text: t(locale, 'teams.card_used'), locale });
        }
        return;
      }
      if (claim.status === 'first') {
        await context
          .updateActivity({
            type: 'message',
            id: claim.card.activityId,
            attachments: [cardAttachment(renderUsedCard(claim.card.headline, claim.label))],
          })
          .catch((error) => logger.warn({ err: error }, 'teams: could not update a used card'));
      }
    }
    await deps.pipeline.handle(context, { inbound: true });
  };
}

/**
 * Teams resends a slow request: what this channel answers by itself (staff buttons, the "card already
 * used" note) happens once per activity id, like the bot core's dedupe does for turns it runs.
 */
async function firstDelivery(
  ctx: AppContext,
  what: string,
  activity: TurnContext['activity'],
): Promise<boolean> {
  if (!activity.id) return true;
  const { rows } = await ctx.db.query(
    'insert into inbound_seen (key) values ($1) on conflict (key) do nothing returning key',
    [`msteams:${what}:${activity.conversation?.id ?? ''}:${activity.id}`.slice(0, 500)],
  );
  return rows.length === 1;
}
