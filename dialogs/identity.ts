import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import { isDomainError } from '../services/errors';
import { identityLabel, identityName, NeedsPasswordChange, NeedsSignIn } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { errorMessage } from './errors';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { IDS } from './main';

export interface IdentityState extends FlowState {
  /** The identity in use was unbound by staff: say so before asking. */
  unbound?: boolean;
}

/**
 * F3: pick the identity to act as. The current one is marked; data is isolated per identity, and
 * removing an identity is done by staff (the customer is told whom to ask).
 */
export class IdentityFlow extends Flow<IdentityState> {
  constructor(deps: DialogDeps) {
    super(IDS.identity, deps);
  }

  protected async ask(
    step: WaterfallStepContext<IdentityState>,
    state: IdentityState,
  ): Promise<DialogTurnResult> {
    const { locale, channel, chatUserId } = this.info(step.context);
    const binding = await this.deps.services.bindings.get(channel, chatUserId);
    if (!binding?.accountId) throw new NeedsSignIn();
    // Picking an identity is acting too: an initial password is changed first.
    if ((await this.deps.services.accounts.get(binding.accountId)).mustChangePassword) {
      throw new NeedsPasswordChange();
    }
    const identities = await this.deps.services.identities.listForAccount(binding.accountId);
    if (identities.length === 0) {
      await this.say(step.context, t(locale, 'identity.none'));
      return step.endDialog();
    }
    const current = state.unbound ? null : binding.activeIdentityId;
    const lines = [
      state.unbound ? t(locale, 'identity.unbound') : '',
      current ? t(locale, 'identity.pick_current') : t(locale, 'identity.pick'),
      t(locale, 'identity.how_to_remove'),
    ].filter(Boolean);
    delete state.unbound;
    return this.prompt(step, {
      reply: {
        kind: 'choices',
        text: lines.join('\n'),
        choices: [
          ...identities.map((i) =>
            choice(
              i.id === current
                ? `${identityLabel(i)} ${t(locale, 'identity.current_mark')}`
                : identityLabel(i),
              { action: 'pick_identity', identityId: i.id },
              {
                synonyms: [i.organizationName, i.displayName, identityName(i)],
                style: i.id === current ? 'primary' : 'default',
              },
            ),
          ),
          choice(t(locale, 'common.back'), { action: 'back' }, { keywords: ['back'] }),
        ],
      },
      retry: t(locale, 'common.pick_number'),
    });
  }

  protected async answer(
    step: WaterfallStepContext<IdentityState>,
    state: IdentityState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const { locale, channel, chatUserId, profile } = this.info(step.context);
    if (result.kind !== 'choice' || result.value.action !== 'pick_identity') return step.endDialog();
    try {
      const identity = await this.deps.services.bindings.selectIdentity(
        channel,
        chatUserId,
        String(result.value.identityId),
      );
      profile.identityId = identity.id;
      await this.say(step.context, t(locale, 'identity.switched', { name: identityName(identity) }));
      return step.endDialog({ next: { action: 'home' } });
    } catch (error) {
      if (!isDomainError(error)) throw error;
      state.notice = errorMessage(locale, error);
      return this.loop(step);
    }
  }
}
