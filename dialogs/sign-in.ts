import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import { isDomainError } from '../services/errors';
import { NeedsPasswordChange } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { IDS } from './main';
import type { Choice } from './replies';
import { webLink } from './web-link';

export interface SignInState extends FlowState {
  method?: 'web' | 'code';
  /** The account (phone or email) a code was sent to. */
  login?: string;
}

const LOGIN_MAX = 120;

/**
 * F2: sign-in binds this chat user to an account. Either a one-time link to the sign-in page (the
 * password is typed there, never in chat), or account + a code sent by SMS/email, typed here.
 */
export class SignInFlow extends Flow<SignInState> {
  constructor(deps: DialogDeps) {
    super(IDS.signIn, deps);
  }

  private cancel(locale: string): Choice {
    return choice(t(locale, 'common.cancel'), { action: 'cancel' }, { keywords: ['cancel'] });
  }

  protected async ask(
    step: WaterfallStepContext<SignInState>,
    state: SignInState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    if (state.method === 'web') {
      await this.send(step.context, await webLink(this.deps, step.context, 'sign_in'));
      return step.endDialog();
    }
    if (state.method === undefined) {
      return this.prompt(step, {
        reply: {
          kind: 'choices',
          text: t(locale, 'signin.offer'),
          choices: [
            choice(
              t(locale, 'menu.sign_in_web'),
              { action: 'sign_in_method', method: 'web' },
              { keywords: ['webSignIn'], style: 'primary' },
            ),
            choice(
              t(locale, 'menu.sign_in_code'),
              { action: 'sign_in_method', method: 'code' },
              { keywords: ['codeSignIn'] },
            ),
            this.cancel(locale),
          ],
        },
        retry: t(locale, 'common.pick_number'),
      });
    }
    if (!state.login) {
      return this.prompt(step, {
        reply: { kind: 'choices', text: t(locale, 'signin.ask_login'), choices: [this.cancel(locale)] },
        text: {
          maxLength: LOGIN_MAX,
          tooLong: t(locale, 'signin.login_invalid'),
          pattern: '^\\S+$',
          patternError: t(locale, 'signin.login_invalid'),
        },
        retry: t(locale, 'signin.login_invalid'),
      });
    }
    return this.prompt(step, {
      reply: {
        kind: 'choices',
        text: t(locale, 'signin.ask_code', { login: state.login }),
        choices: [
          choice(t(locale, 'signin.resend'), { action: 'resend_code' }, { keywords: ['resend'] }),
          choice(
            t(locale, 'signin.other_account'),
            { action: 'other_account' },
            { synonyms: ['other account', '换个账号', '换账号'] },
          ),
          this.cancel(locale),
        ],
      },
      text: {
        maxLength: 20,
        tooLong: t(locale, 'signin.code_format'),
        pattern: '^\\s*\\d[\\d\\s]{4,8}\\d\\s*$',
        patternError: t(locale, 'signin.code_format'),
      },
      retry: t(locale, 'signin.code_format'),
    });
  }

  protected async answer(
    step: WaterfallStepContext<SignInState>,
    state: SignInState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale, channel, chatUserId, profile } = this.info(step.context);
    const bindings = this.deps.services.bindings;
    if (result.kind === 'choice') {
      switch (result.value.action) {
        case 'cancel':
          await this.say(step.context, t(locale, 'common.cancelled'));
          return step.endDialog();
        case 'sign_in_method':
          state.method = result.value.method === 'web' ? 'web' : 'code';
          return this.loop(step);
        case 'other_account':
          delete state.login;
          return this.loop(step);
        case 'resend_code':
          return this.sendCode(step, state, state.login ?? '');
      }
      return this.loop(step);
    }
    if (result.kind !== 'text') return this.loop(step);
    if (!state.login) return this.sendCode(step, state, result.text.trim());
    try {
      const signedIn = await bindings.signInWithCode(
        channel,
        chatUserId,
        state.login,
        result.text.replace(/\s+/g, ''),
      );
      if (signedIn.activeIdentityId) profile.identityId = signedIn.activeIdentityId;
      else delete profile.identityId;
      await this.say(step.context, t(locale, 'signin.success', { name: signedIn.account.name }));
      // An initial password: nothing but the change-password link until it is changed.
      if (signedIn.account.mustChangePassword) throw new NeedsPasswordChange();
      const next = signedIn.activeIdentityId ? { action: 'home' } : { action: 'switch_identity' };
      return step.endDialog({ next });
    } catch (error) {
      if (isDomainError(error, 'locked')) {
        await this.say(step.context, errorMessage(locale, error));
        return step.endDialog();
      }
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      return this.loop(step);
    }
  }

  private async sendCode(
    step: WaterfallStepContext<SignInState>,
    state: SignInState,
    login: string,
  ): Promise<DialogTurnResult> {
    const { locale, channel, chatUserId } = this.info(step.context);
    try {
      await this.deps.services.bindings.requestSignInCode(channel, chatUserId, login, locale);
      state.login = login;
      state.notice = t(locale, 'signin.code_sent', { login });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      if (isDomainError(error, 'invalid_input')) delete state.login;
      else state.login = login;
    }
    return this.loop(step);
  }
}
