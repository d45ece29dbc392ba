import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import type { TicketAction } from '../services/contracts';
import { isDomainError } from '../services/errors';
import { actorFor, identityName } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import type { KeywordGroup } from './keywords';
import { IDS } from './main';
import { submittedMessage, ticketCard } from './models';
import type { Choice } from './replies';
import { messageKey } from './turn';

export interface DetailsState extends FlowState {
  /** Id or number, as the user gave it; replaced by the id once loaded. */
  ticketId: string;
  /** An action to start at once (a button on an old card, or a typed command). */
  op?: string;
  /** A follow-up question of an action. */
  stage?: 'confirm_cancel' | 'confirm_delete' | 'supplement' | 'reopen_reason' | 'share';
}

const ACTION_KEYWORDS: Record<TicketAction, KeywordGroup> = {
  queue: 'queue',
  rate: 'rate',
  reopen: 'reopen',
  share: 'share',
  cancel: 'cancelTicket',
  supplement: 'supplement',
  submit: 'submit',
  edit: 'edit',
  delete: 'delete',
};

const REASON_MAX = 1000;
const SUPPLEMENT_MAX = 5000;

/**
 * F7 (with F8 queue position): one ticket's card and the actions its state allows, as the services
 * say (TicketDetails.actions). Each action is carried out here or in its own flow (rating, draft
 * editing), then the card shows again with the new state.
 */
export class DetailsFlow extends Flow<DetailsState> {
  constructor(deps: DialogDeps) {
    super(IDS.details, deps);
  }

  protected async ask(
    step: WaterfallStepContext<DetailsState>,
    state: DetailsState,
  ): Promise<DialogTurnResult> {
    const { locale, channel, chatUserId } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    const tickets = this.deps.services.tickets;
    let ticket: Awaited<ReturnType<typeof tickets.get>>;
    try {
      ticket = await tickets.get(actor, state.ticketId);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await this.say(step.context, errorMessage(locale, error));
      return step.endDialog();
    }
    state.ticketId = ticket.id;
    if (state.op) {
      const op = state.op;
      delete state.op;
      if (!ticket.actions.includes(op as TicketAction)) {
        await this.say(step.context, t(locale, 'details.action_unavailable'));
      } else {
        return step.next({
          kind: 'choice',
          value: { action: 'ticket_op', op, ticketId: ticket.id },
        } satisfies AskResult);
      }
    }
    const cancel = choice(t(locale, 'common.cancel'), { action: 'back' }, { keywords: ['cancel', 'back'] });
    const yesNo = (yesKey: string): Choice[] => [
      choice(t(locale, yesKey), { action: 'yes' }, { keywords: ['yes'], style: 'danger' }),
      choice(t(locale, 'common.no'), { action: 'back' }, { keywords: ['no', 'back'] }),
    ];
    switch (state.stage) {
      case 'confirm_cancel':
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'details.confirm_cancel', { number: ticket.number ?? '' }),
            choices: yesNo('details.yes_cancel'),
          },
          retry: t(locale, 'common.yes_or_no'),
        });
      case 'confirm_delete':
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'details.confirm_delete', { title: ticket.title }),
            choices: yesNo('details.yes_delete'),
          },
          retry: t(locale, 'common.yes_or_no'),
        });
      case 'supplement':
        return this.prompt(step, {
          reply: { kind: 'choices', text: t(locale, 'details.ask_supplement'), choices: [cancel] },
          text: {
            maxLength: SUPPLEMENT_MAX,
            tooLong: t(locale, 'details.supplement_too_long', { max: SUPPLEMENT_MAX }),
          },
          retry: t(locale, 'details.ask_supplement'),
        });
      case 'reopen_reason':
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'details.ask_reopen_reason'),
            choices: [choice(t(locale, 'common.skip'), { action: 'skip' }, { keywords: ['skip'] }), cancel],
          },
          text: { maxLength: REASON_MAX, tooLong: t(locale, 'details.reason_too_long', { max: REASON_MAX }) },
          retry: t(locale, 'details.ask_reopen_reason'),
        });
      case 'share': {
        const colleagues = await this.deps.services.identities.colleagues(actor);
        if (colleagues.length === 0) {
          delete state.stage;
          await this.say(step.context, t(locale, 'details.no_colleagues'));
          return this.loop(step);
        }
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'details.ask_share'),
            choices: [
              ...colleagues.map((c) =>
                choice(
                  c.displayName,
                  { action: 'share_with', identityId: c.id },
                  { synonyms: [identityName(c)] },
                ),
              ),
              cancel,
            ],
          },
          retry: t(locale, 'common.pick_number'),
        });
      }
    }
    const actions = ticket.actions.map((a) =>
      choice(
        t(locale, `details.action.${a}`),
        { action: 'ticket_op', op: a, ticketId: ticket.id },
        {
          keywords: [ACTION_KEYWORDS[a]],
          style:
            a === 'cancel' || a === 'delete'
              ? 'danger'
              : a === 'rate' || a === 'submit'
                ? 'primary'
                : 'default',
        },
      ),
    );
    return this.prompt(step, {
      reply: {
        kind: 'ticket',
        ticket: ticketCard(locale, ticket, { channel, chatUserId }),
        actions: [
          ...actions,
          choice(t(locale, 'details.back'), { action: 'back' }, { keywords: ['back'] }),
          choice(t(locale, 'common.menu'), { action: 'menu' }, { keywords: ['menu'] }),
        ],
      },
      retry: t(locale, 'common.pick_number'),
    });
  }

  protected async answer(
    step: WaterfallStepContext<DetailsState>,
    state: DetailsState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const value = result.kind === 'choice' ? result.value : undefined;
    const stage = state.stage;
    delete state.stage;
    if (value?.action === 'menu') return step.endDialog({ next: { action: 'home' } });
    if (value?.action === 'back') {
      if (stage) return this.loop(step);
      return step.endDialog();
    }
    try {
      const actor = await actorFor(this.deps, step.context);
      const tickets = this.deps.services.tickets;
      const id = state.ticketId;
      if (stage === 'confirm_cancel' && value?.action === 'yes') {
        await tickets.cancel(actor, id);
        state.notice = t(locale, 'details.cancelled');
      } else if (stage === 'confirm_delete' && value?.action === 'yes') {
        await tickets.deleteDraft(actor, id);
        await this.say(step.context, t(locale, 'details.deleted'));
        return step.endDialog();
      } else if (stage === 'supplement' && result.kind === 'text') {
        await tickets.addSupplement(actor, id, result.text, { clientKey: messageKey(step.context) });
        state.notice = t(locale, 'details.supplement_added');
      } else if (stage === 'reopen_reason') {
        await tickets.reopen(actor, id, result.kind === 'text' ? result.text : undefined);
        state.notice = t(locale, 'details.reopened');
      } else if (stage === 'share' && value?.action === 'share_with') {
        await tickets.share(actor, id, String(value.identityId));
        const target = await this.deps.services.identities.get(String(value.identityId));
        state.notice = t(locale, 'details.shared', { name: target.displayName });
      } else if (value?.action === 'ticket_op') {
        return await this.startOp(step, state, String(value.op));
      }
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
    }
    return this.loop(step);
  }

  private async startOp(
    step: WaterfallStepContext<DetailsState>,
    state: DetailsState,
    op: string,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    const tickets = this.deps.services.tickets;
    switch (op) {
      case 'queue': {
        const q = await tickets.queuePosition(actor, state.ticketId);
        state.notice = t(locale, 'details.queue_position', { waiting: q.waiting, position: q.position });
        return this.loop(step);
      }
      case 'submit': {
        const { ticket, position } = await tickets.submit(actor, state.ticketId);
        state.notice = submittedMessage(locale, ticket, position);
        return this.loop(step);
      }
      case 'rate':
        return step.beginDialog(IDS.rating, { ticketId: state.ticketId });
      case 'edit':
        return step.beginDialog(IDS.newTicket, { fields: {}, draftId: state.ticketId });
      case 'cancel':
        state.stage = 'confirm_cancel';
        return this.loop(step);
      case 'delete':
        state.stage = 'confirm_delete';
        return this.loop(step);
      case 'supplement':
        state.stage = 'supplement';
        return this.loop(step);
      case 'reopen':
        state.stage = 'reopen_reason';
        return this.loop(step);
      case 'share':
        state.stage = 'share';
        return this.loop(step);
    }
    return this.loop(step);
  }
}
