import type { TurnContext } from 'botbuilder';
import {
  type DialogContext,
  type DialogReason,
  type DialogTurnResult,
  WaterfallDialog,
  type WaterfallStepContext,
} from 'botbuilder-dialogs';
import type { Services } from '../app/context';
import { type Params, t } from '../i18n';
import type { Config } from '../platform/config';
import { ASK, type AskOptions, type AskResult, isAskResult } from './ask';
import type { Reply } from './replies';
import { toActivity } from './say';
import { type TurnInfo, turnInfo } from './turn';

export interface DialogDeps {
  services: Services;
  config: Config;
  now: () => Date;
}

/** Fields every flow state may carry. */
export interface FlowState {
  /** A localized line said before the next question (a confirmation or a validation problem). */
  notice?: string;
}

/**
 * A conversation flow as a loop: `ask` shows the next question for the current state (or ends),
 * `answer` handles the reply, changes the state and loops or starts a child flow; when a child flow
 * ends, `resumed` runs (by default: ask again). All state lives in the dialog options, so it is
 * stored with the conversation and survives a restart. A language switch re-asks in the new language.
 */
export abstract class Flow<S extends FlowState> extends WaterfallDialog<S> {
  constructor(
    id: string,
    protected readonly deps: DialogDeps,
  ) {
    super(id, [
      async (step) => {
        turnInfo(step.context).budget.spend(this.id);
        const state = step.options;
        if (state.notice) {
          await this.say(step.context, state.notice);
          delete state.notice;
        }
        return this.ask(step, state);
      },
      async (step) => {
        if (isAskResult(step.result) && step.result.kind === 'relocalize') return this.loop(step);
        return this.answer(step, step.options, step.result as AskResult);
      },
      async (step) => this.resumed(step, step.options, step.result),
    ]);
  }

  /**
   * A child flow may be started from `resumed` too (a flow's end asked for the next one); its end must
   * come back to `resumed` again rather than fall off the end of the waterfall.
   */
  override async resumeDialog(
    dc: DialogContext,
    reason: DialogReason,
    result?: unknown,
  ): Promise<DialogTurnResult> {
    const state = dc.activeDialog!.state as { stepIndex: number };
    if (state.stepIndex >= 2) state.stepIndex = 1;
    return super.resumeDialog(dc, reason, result);
  }

  protected abstract ask(step: WaterfallStepContext<S>, state: S): Promise<DialogTurnResult>;
  protected abstract answer(
    step: WaterfallStepContext<S>,
    state: S,
    result: AskResult,
  ): Promise<DialogTurnResult>;

  protected resumed(step: WaterfallStepContext<S>, _state: S, _result: unknown): Promise<DialogTurnResult> {
    return this.loop(step);
  }

  /** Ask again from the (changed) state. */
  protected loop(step: WaterfallStepContext<S>): Promise<DialogTurnResult> {
    return step.replaceDialog(this.id, step.options);
  }

  protected prompt(step: WaterfallStepContext<S>, options: AskOptions): Promise<DialogTurnResult> {
    return step.beginDialog(ASK, options);
  }

  protected info(context: TurnContext): TurnInfo {
    return turnInfo(context);
  }

  protected t(context: TurnContext, key: string, params?: Params): string {
    return t(turnInfo(context).locale, key, params);
  }

  protected async say(context: TurnContext, text: string): Promise<void> {
    await this.send(context, { kind: 'text', text });
  }

  protected async send(context: TurnContext, reply: Reply): Promise<void> {
    await context.sendActivity(toActivity(reply, turnInfo(context).locale));
  }
}
