import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import { isDomainError } from '../services/errors';
import { actorFor } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { IDS } from './main';
import { mask } from './new-ticket';

export const NAME_MAX = 50;

export interface ProfileState extends FlowState {
  stage?: 'name' | 'avatar' | 'phone' | 'email' | 'code';
  /** The contact change waiting for its code. */
  pending?: { phone: string } | { email: string };
}

const PHONE = '^\\+?[0-9][0-9 -]{5,19}$';
const EMAIL = '^[^\\s@]+@[^\\s@]+\\.[^\\s@]+$';

/** F13: view the profile; change name, avatar (an image sent in chat), phone or email (confirmed by a code). */
export class ProfileFlow extends Flow<ProfileState> {
  constructor(deps: DialogDeps) {
    super(IDS.profile, deps);
  }

  protected async ask(
    step: WaterfallStepContext<ProfileState>,
    state: ProfileState,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const actor = await actorFor(this.deps, step.context);
    const cancel = choice(t(locale, 'common.back'), { action: 'back' }, { keywords: ['back', 'cancel'] });
    switch (state.stage) {
      case 'name':
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'profile.ask_name', { max: NAME_MAX }),
            choices: [cancel],
          },
          text: { maxLength: NAME_MAX, tooLong: t(locale, 'profile.name_too_long', { max: NAME_MAX }) },
          retry: t(locale, 'profile.ask_name', { max: NAME_MAX }),
        });
      case 'avatar':
        return this.prompt(step, {
          reply: { kind: 'choices', text: t(locale, 'profile.ask_avatar'), choices: [cancel] },
          files: true,
          retry: t(locale, 'profile.avatar_not_image'),
        });
      case 'phone':
      case 'email':
        return this.prompt(step, {
          reply: { kind: 'choices', text: t(locale, `profile.ask_${state.stage}`), choices: [cancel] },
          text: {
            maxLength: 120,
            tooLong: t(locale, `profile.${state.stage}_invalid`),
            pattern: state.stage === 'phone' ? PHONE : EMAIL,
            patternError: t(locale, `profile.${state.stage}_invalid`),
          },
          retry: t(locale, `profile.${state.stage}_invalid`),
        });
      case 'code':
        return this.prompt(step, {
          reply: {
            kind: 'choices',
            text: t(locale, 'profile.ask_code', { target: this.pendingTarget(state) }),
            choices: [
              choice(t(locale, 'signin.resend'), { action: 'resend' }, { keywords: ['resend'] }),
              cancel,
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
    const account = await this.deps.services.accounts.get(actor.accountId);
    if (account.avatarRef)
      await this.send(step.context, {
        kind: 'image',
        url: account.avatarRef,
        alt: t(locale, 'profile.avatar_alt'),
      });
    const none = t(locale, 'card.none');
    const lines = [
      t(locale, 'profile.title'),
      `${t(locale, 'profile.name')}${sep(locale)}${account.name}`,
      `${t(locale, 'profile.phone')}${sep(locale)}${account.phone ?? none}`,
      `${t(locale, 'profile.email')}${sep(locale)}${account.email ?? none}`,
      `${t(locale, 'profile.avatar')}${sep(locale)}${account.avatarRef ? t(locale, 'profile.avatar_set') : none}`,
    ];
    return this.prompt(step, {
      reply: {
        kind: 'choices',
        text: lines.join('\n'),
        choices: [
          choice(
            t(locale, 'profile.edit_name'),
            { action: 'edit', field: 'name' },
            { synonyms: ['name', 'edit name', '名称', '修改名称', '改名'] },
          ),
          choice(
            t(locale, 'profile.edit_avatar'),
            { action: 'edit', field: 'avatar' },
            { synonyms: ['avatar', '头像', '更换头像'] },
          ),
          choice(
            t(locale, 'profile.edit_phone'),
            { action: 'edit', field: 'phone' },
            { synonyms: ['phone', '手机', '手机号', '修改手机号'] },
          ),
          choice(
            t(locale, 'profile.edit_email'),
            { action: 'edit', field: 'email' },
            { synonyms: ['email', '邮箱', '修改邮箱'] },
          ),
          choice(
            t(locale, 'menu.change_password'),
            { action: 'change_password' },
            { keywords: ['changePassword'] },
          ),
          choice(t(locale, 'common.menu'), { action: 'done' }, { keywords: ['menu', 'done', 'back'] }),
        ],
      },
      retry: t(locale, 'common.pick_number'),
    });
  }

  /** This chat: its development panel shows the code (the code itself belongs to the account). */
  private origin(step: WaterfallStepContext<ProfileState>) {
    const { channel, chatUserId } = this.info(step.context);
    return { channel, chatUserId };
  }

  private pendingTarget(state: ProfileState): string {
    if (!state.pending) return '';
    return 'phone' in state.pending ? mask(state.pending.phone) : mask(state.pending.email);
  }

  protected async answer(
    step: WaterfallStepContext<ProfileState>,
    state: ProfileState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale } = this.info(step.context);
    const value = result.kind === 'choice' ? result.value : undefined;
    const stage = state.stage;
    const accounts = this.deps.services.accounts;
    if (value?.action === 'done') return step.endDialog();
    if (value?.action === 'change_password') return step.endDialog({ next: { action: 'change_password' } });
    if (value?.action === 'back') {
      delete state.stage;
      delete state.pending;
      return this.loop(step);
    }
    if (value?.action === 'edit') {
      state.stage = value.field as ProfileState['stage'];
      return this.loop(step);
    }
    try {
      const actor = await actorFor(this.deps, step.context);
      if (stage === 'name' && result.kind === 'text') {
        await accounts.updateProfile(actor.accountId, { name: result.text.trim() });
        state.notice = t(locale, 'profile.name_changed');
        delete state.stage;
      } else if (stage === 'avatar' && result.kind === 'files') {
        const image = result.files.find((f) => f.contentType.startsWith('image/'));
        if (!image) {
          state.notice = t(locale, 'profile.avatar_not_image');
          return this.loop(step);
        }
        await accounts.updateProfile(actor.accountId, { avatarRef: image.url });
        state.notice = t(locale, 'profile.avatar_changed');
        delete state.stage;
      } else if ((stage === 'phone' || stage === 'email') && result.kind === 'text') {
        const target = result.text.trim().replace(stage === 'phone' ? /[\s-]/g : /\s/g, '');
        const change = stage === 'phone' ? { phone: target } : { email: target };
        await accounts.requestContactChange(actor.accountId, change, locale, this.origin(step));
        state.pending = change;
        state.stage = 'code';
        state.notice = t(locale, 'profile.code_sent', { target: this.pendingTarget(state) });
      } else if (stage === 'code' && value?.action === 'resend' && state.pending) {
        await accounts.requestContactChange(actor.accountId, state.pending, locale, this.origin(step));
        state.notice = t(locale, 'profile.code_sent', { target: this.pendingTarget(state) });
      } else if (stage === 'code' && result.kind === 'text') {
        await accounts.confirmContactChange(actor.accountId, result.text.replace(/\s+/g, ''));
        state.notice = t(locale, 'profile.contact_changed');
        delete state.stage;
        delete state.pending;
      }
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      if (stage === 'code' && isDomainError(error, 'invalid_state')) {
        // Expired, used up or too many tries: a new code has to be requested from the start.
        delete state.stage;
        delete state.pending;
      }
    }
    return this.loop(step);
  }
}

function sep(locale: string): string {
  return locale === 'en-US' ? ': ' : '：';
}
