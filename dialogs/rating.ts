import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import { isDomainError } from '../services/errors';
import { actorFor } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { IDS } from './main';
import { statusLabel } from './models';
import type { Choice } from './replies';

export const COMMENT_MAX = 1000;

export interface RatingState extends FlowState {
  ticketId: string;
  /** The ticket was found and may be rated now: checked before the stars are asked. */
  checked?: boolean;
  stars?: number;
}

const STAR_WORDS = [
  ['一星', '1星', '1 star', 'one', '★'],
  ['二星', '两星', '2星', '2 stars', 'two', '★★'],
  ['三星', '3星', '3 stars', 'three', '★★★'],
  ['四星', '4星', '4 stars', 'four', '★★★★'],
  ['五星', '5星', '5 stars', 'five', '★★★★★', '非常满意'],
];

/** F10: 1-5 stars and an optional comment, once per resolved ticket; as a card form or step by step. */
export class RatingFlow extends Flow<RatingState> {
  constructor(deps: DialogDeps) {
    super(IDS.rating, deps);
  }

  protected async ask(
    step: WaterfallStepContext<RatingState>,
    state: RatingState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    if (!state.checked) {
      // Refused before anything is asked: another identity's ticket, one not resolved, rated, or too old.
      const refusal = await this.refusal(step, state);
      if (refusal) {
        await this.say(step.context, refusal);
        return step.endDialog();
      }
      state.checked = true;
    }
    const cancel = choice(t(locale, 'common.cancel'), { action: 'cancel' }, { keywords: ['cancel'] });
    if (state.stars === undefined) {
      // Numbered 1..5 in star order, so typing "4" means four stars.
      const stars: Choice[] = [1, 2, 3, 4, 5].map((n) =>
        choice(
          t(locale, `rating.stars.${n}`),
          { action: 'stars', stars: n },
          { synonyms: STAR_WORDS[n - 1] },
        ),
      );
      return this.prompt(step, {
        reply: {
          kind: 'form',
          formId: 'rating',
          title: t(locale, 'rating.ask_stars'),
          fields: [
            {
              id: 'stars',
              kind: 'rating',
              label: t(locale, 'rating.stars_label'),
              required: true,
              max: 5,
              errorMessage: t(locale, 'rating.stars_invalid'),
            },
            {
              id: 'comment',
              kind: 'textarea',
              label: t(locale, 'rating.comment_label'),
              required: false,
              maxLength: COMMENT_MAX,
              errorMessage: t(locale, 'rating.comment_too_long', { max: COMMENT_MAX }),
            },
          ],
          submit: choice(
            t(locale, 'rating.submit'),
            { action: 'rate_form', form: 'rating' },
            { style: 'primary' },
          ),
          secondary: [...stars, cancel],
        },
        retry: t(locale, 'rating.stars_invalid'),
      });
    }
    return this.prompt(step, {
      reply: {
        kind: 'choices',
        text: t(locale, 'rating.ask_comment', { stars: '★'.repeat(state.stars) }),
        choices: [choice(t(locale, 'common.skip'), { action: 'skip' }, { keywords: ['skip'] }), cancel],
      },
      text: { maxLength: COMMENT_MAX, tooLong: t(locale, 'rating.comment_too_long', { max: COMMENT_MAX }) },
      retry: t(locale, 'rating.ask_comment', { stars: '★'.repeat(state.stars) }),
    });
  }

  /** Why this ticket cannot be rated now, or undefined when it can (and its id is then known). */
  private async refusal(step: WaterfallStepContext<RatingState>, state: RatingState) {
    const { locale } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    try {
      const ticket = await this.deps.services.tickets.get(actor, state.ticketId);
      state.ticketId = ticket.id;
      if (ticket.actions.includes('rate')) return undefined;
      if (ticket.rating) return t(locale, 'error.already_rated');
      if (ticket.status !== 'resolved')
        return t(locale, 'error.ticket_not_resolved', { status: statusLabel(locale, ticket.status) });
      return t(locale, 'error.rating_window_passed');
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return errorMessage(locale, error);
    }
  }

  protected async answer(
    step: WaterfallStepContext<RatingState>,
    state: RatingState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const value = result.kind === 'choice' ? result.value : undefined;
    if (value?.action === 'cancel') {
      await this.say(step.context, t(locale, 'common.cancelled'));
      return step.endDialog();
    }
    if (value?.action === 'stars') {
      state.stars = Number(value.stars);
      return this.loop(step);
    }
    if (value?.action === 'rate_form') {
      const stars = Number(value.stars);
      if (!Number.isInteger(stars) || stars < 1 || stars > 5) {
        state.notice = t(locale, 'rating.stars_invalid');
        return this.loop(step);
      }
      const comment = typeof value.comment === 'string' ? value.comment.trim() : '';
      if ([...comment].length > COMMENT_MAX) {
        state.notice = t(locale, 'rating.comment_too_long', { max: COMMENT_MAX });
        return this.loop(step);
      }
      return this.rate(step, stars, comment || undefined);
    }
    if (state.stars === undefined) return this.loop(step);
    return this.rate(step, state.stars, result.kind === 'text' ? result.text.trim() : undefined);
  }

  private async rate(
    step: WaterfallStepContext<RatingState>,
    stars: number,
    comment: string | undefined,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const state = step.options;
    try {
      const actor = await actorFor(this.deps, step.context);
      await this.deps.services.tickets.rate(actor, state.ticketId, stars, comment);
      await this.say(step.context, t(locale, stars <= 2 ? 'rating.thanks_low' : 'rating.thanks'));
    } catch (error) {
      if (!isDomainError(error)) throw error;
      await this.say(step.context, errorMessage(locale, error));
    }
    return step.endDialog();
  }
}
