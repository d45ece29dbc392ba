import type { Activity, TurnContext } from 'botbuilder';
import { z } from 'zod';
import type { AppContext } from '../../app/context';
import { errorMessage } from '../../dialogs/errors';
import { ticketCard } from '../../dialogs/models';
import type { ActionValue, Reply } from '../../dialogs/replies';
import { resolveLocale, t } from '../../i18n';
import type { Staff, StaffActor, TicketDetails } from '../../services/contracts';
import { storableString } from '../../services/text';
import { cardAttachment, renderReplyCard, renderUsedCard } from '../render/teams';
import './messages';

/**
 * S2: the Accept / Open buttons on staff alert cards (posted by the workers' Teams sender). They act
 * through the staff services as the staff member who pressed, found by their Teams ids in the staff
 * directory (AAD object id first, then the Teams user id); anybody else gets a polite refusal and
 * nothing happens. These presses never reach the customer dialogs.
 */

export const STAFF_ACTIONS: ReadonlySet<string> = new Set(['staff_accept', 'staff_open']);

export function isStaffAction(value: ActionValue | undefined): value is ActionValue {
  return value !== undefined && STAFF_ACTIONS.has(value.action);
}

/** What an alert card's button sends (workers/messages.ts), parsed before anything acts on it. */
const STAFF_VALUE = z.object({
  action: z.enum(['staff_accept', 'staff_open']),
  ticketId: z.union([z.guid(), z.string().regex(/^[Tt]\d{8}-\d{3,6}$/)]),
  number: storableString().max(40).optional(),
});

/** The staff member behind a Teams user: the directory may hold their AAD object id or their Teams id. */
export async function staffOfTeamsUser(
  ctx: AppContext,
  from: Activity['from'] | undefined,
): Promise<Staff | undefined> {
  for (const id of [from?.aadObjectId, from?.id]) {
    if (!id) continue;
    const staff = await ctx.services.staff.findByTeamsId(id);
    if (staff) return staff;
  }
  return undefined;
}

function staffTicketReply(locale: string, ticket: TicketDetails): Reply {
  const model = ticketCard(locale, ticket);
  const actions =
    ticket.status === 'waiting'
      ? [
          {
            label: t(locale, 'teams.staff_accept'),
            value: { action: 'staff_accept', ticketId: ticket.id },
            style: 'primary' as const,
          },
        ]
      : [];
  return { kind: 'ticket', ticket: model, actions };
}

async function say(context: TurnContext, text: string, locale: string): Promise<void> {
  await context.sendActivity({ type: 'message', text, locale, textFormat: 'plain' });
}

export async function handleStaffAction(
  ctx: AppContext,
  context: TurnContext,
  value: ActionValue,
): Promise<void> {
  const activity = context.activity;
  const locale = resolveLocale(activity.locale);
  const log = ctx.logger.child({ component: 'teams-staff', action: value.action });
  const staff = await staffOfTeamsUser(ctx, activity.from);
  if (!staff) {
    log.info('staff action from a Teams user who is not in the staff directory: refused');
    await say(context, t(locale, 'teams.staff_unknown'), locale);
    return;
  }
  if (!staff.active) {
    await say(context, t(locale, 'teams.staff_inactive'), locale);
    return;
  }
  const parsed = STAFF_VALUE.safeParse(value);
  if (!parsed.success) {
    log.info('a staff button value no alert of ours carries: refused');
    await say(context, t(locale, 'input.outdated_button'), locale);
    return;
  }
  const actor: StaffActor = { staffId: staff.id, role: staff.role };
  const { ticketId } = parsed.data;
  try {
    if (value.action === 'staff_accept') {
      const ticket = await ctx.services.staffTickets.accept(actor, ticketId);
      // The alert card (in the staff channel, seen by everyone) now says who took it, without buttons.
      if (activity.replyToId) {
        const headline = ticket.number ? `【${ticket.number}】${ticket.title}` : ticket.title;
        await context
          .updateActivity({
            type: 'message',
            id: activity.replyToId,
            attachments: [
              cardAttachment(
                renderUsedCard(headline, t(locale, 'teams.staff_accepted_by', { name: staff.name })),
              ),
            ],
          })
          .catch((error) => log.warn({ err: error }, 'could not update the alert card'));
      }
      await say(
        context,
        t(locale, 'teams.staff_accepted', { number: ticket.number ?? ticket.title }),
        locale,
      );
      await context.sendActivity({
        type: 'message',
        attachments: [cardAttachment(renderReplyCard(staffTicketReply(locale, ticket), locale)!)],
      });
      return;
    }
    const ticket = await ctx.services.staffTickets.get(ticketId);
    await context.sendActivity({
      type: 'message',
      attachments: [cardAttachment(renderReplyCard(staffTicketReply(locale, ticket), locale)!)],
    });
  } catch (error) {
    log.info({ err: error }, 'staff action refused by the service');
    const number = parsed.data.number ?? ticketId.slice(0, 8);
    await say(
      context,
      t(locale, 'teams.staff_failed', { number, reason: errorMessage(locale, error) }),
      locale,
    );
  }
}
