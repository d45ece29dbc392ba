import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { NeedsSignIn } from './actor';
import type { AskResult } from './ask';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { IDS } from './main';
import { webLink } from './web-link';

export interface PasswordState extends FlowState {
  purpose: 'change_password' | 'forgot_password';
}

/**
 * F11/F12: passwords are typed on the secure web page only; the chat hands out a one-time link and
 * confirms when the page is done (the helpdesk.resume event).
 */
export class PasswordFlow extends Flow<PasswordState> {
  constructor(deps: DialogDeps) {
    super(IDS.password, deps);
  }

  protected async ask(
    step: WaterfallStepContext<PasswordState>,
    state: PasswordState,
  ): Promise<DialogTurnResult> {
    const purpose = state.purpose === 'change_password' ? 'change_password' : 'forgot_password';
    if (purpose === 'change_password') {
      const { channel, chatUserId } = this.info(step.context);
      const binding = await this.deps.services.bindings.get(channel, chatUserId);
      if (!binding?.accountId) throw new NeedsSignIn();
    }
    await this.send(step.context, await webLink(this.deps, step.context, purpose));
    return step.endDialog();
  }

  protected async answer(
    step: WaterfallStepContext<PasswordState>,
    _state: PasswordState,
    _result: AskResult,
  ): Promise<DialogTurnResult> {
    return step.endDialog();
  }
}
