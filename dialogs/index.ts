import type { ConversationState, StatePropertyAccessor, TurnContext, UserState } from 'botbuilder';
import { type DialogContext, DialogContextError, DialogSet, type DialogState } from 'botbuilder-dialogs';
import type { Services } from '../app/context';
import { type Locale, t } from '../i18n';
import type { Config } from '../platform/config';
import type { Logger } from '../platform/logger';
import { NeedsIdentity, NeedsPasswordChange, NeedsSignIn, type UserProfile } from './actor';
import { ASK, AskDialog, type AskOptions, askAccepts } from './ask';
import { DetailsFlow } from './details';
import { errorMessage } from './errors';
import type { DialogDeps } from './flow';
import { IdentityFlow } from './identity';
import { normalize, pressedValue } from './input';
import { type KeywordGroup, TICKET_NUMBER, words } from './keywords';
import { ListFlow } from './lists';
import { MAIN, MainFlow, type MainState } from './main';
import { NewTicketFlow } from './new-ticket';
import { PasswordFlow } from './password';
import { ProfileFlow } from './profile';
import { RatingFlow } from './rating';
import type { ActionValue } from './replies';
import { toActivity } from './say';
import { screenInput } from './screen';
import { SignInFlow } from './sign-in';
import {
  channelOf,
  chatUserOf,
  localeOfTurn,
  TURN_INFO,
  TurnBudget,
  TurnBudgetExceeded,
  type TurnInfo,
} from './turn';
import { webLink } from './web-link';

export { REPLY_CONTENT_TYPE, replyOf, toActivity } from './say';
export { channelOf, chatUserOf } from './turn';

export const RESUME_EVENT = 'helpdesk.resume';
export type ResumeKind = 'signed_in' | 'password_changed' | 'password_reset';

/** The conversation-state property the dialogs keep their stack in. */
const DIALOG_STATE_PROPERTY = 'helpdeskDialogs';

/**
 * Whether the question waiting in a stored conversation state takes files (a new ticket's
 * attachments, a profile picture): the web chat accepts an upload only then.
 */
export function waitsForFiles(conversationDoc: unknown): boolean {
  const state = (conversationDoc as Record<string, DialogState | undefined> | undefined)?.[
    DIALOG_STATE_PROPERTY
  ];
  const top = state?.dialogStack?.at(-1);
  return top?.id === ASK && (top.state?.options as AskOptions | undefined)?.files === true;
}

type GlobalCommand = 'menu' | 'help' | 'cancel' | 'sign_out' | { language: Locale };

const COMMAND_WORDS: [KeywordGroup, GlobalCommand][] = [
  ['menu', 'menu'],
  ['help', 'help'],
  ['cancel', 'cancel'],
  ['signOut', 'sign_out'],
  ['english', { language: 'en-US' }],
  ['chinese', { language: 'zh-CN' }],
];

/** Commands that work at any moment, typed (either language) or pressed. */
export function globalCommand(
  text: string | undefined,
  pressed: ActionValue | undefined,
): GlobalCommand | undefined {
  if (pressed) {
    if (pressed.action === 'language') return { language: pressed.locale === 'en-US' ? 'en-US' : 'zh-CN' };
    if (['menu', 'home'].includes(pressed.action)) return 'menu';
    if (pressed.action === 'help' || pressed.action === 'sign_out') return pressed.action;
    return undefined;
  }
  const typed = normalize(text);
  if (typed === '') return undefined;
  return COMMAND_WORDS.find(([group]) => words(group).some((w) => normalize(w) === typed))?.[1];
}

/**
 * Every customer conversation (F2-F14) behind one call. The bot calls `run` for message activities,
 * the helpdesk.resume event (after a web page finished) and conversationUpdate; it saves the state
 * afterwards. Global commands (menu, help, cancel, language, sign out) work inside any flow.
 */
export class HelpdeskDialogs {
  private readonly dialogs: DialogSet;
  private readonly dialogState: StatePropertyAccessor<DialogState>;
  private readonly profile: StatePropertyAccessor<UserProfile>;
  private readonly deps: DialogDeps;
  private readonly log: Logger | undefined;

  constructor(
    deps: { services: Services; config: Config; now: () => Date; logger?: Logger },
    conversationState: ConversationState,
    userState: UserState,
  ) {
    this.deps = deps;
    this.log = deps.logger;
    this.dialogState = conversationState.createProperty<DialogState>(DIALOG_STATE_PROPERTY);
    this.profile = userState.createProperty<UserProfile>('helpdeskProfile');
    this.dialogs = new DialogSet(this.dialogState);
    this.dialogs
      .add(new AskDialog())
      .add(new MainFlow(deps))
      .add(new SignInFlow(deps))
      .add(new IdentityFlow(deps))
      .add(new NewTicketFlow(deps))
      .add(new ListFlow(deps))
      .add(new DetailsFlow(deps))
      .add(new RatingFlow(deps))
      .add(new PasswordFlow(deps))
      .add(new ProfileFlow(deps));
  }

  async run(context: TurnContext): Promise<void> {
    const activity = context.activity;
    const channel = channelOf(activity);
    const chatUserId = chatUserOf(activity);
    if (!chatUserId) return;
    const profile = await this.profile.get(context, {});
    const binding = await this.deps.services.bindings.get(channel, chatUserId).catch(() => undefined);
    const locale = localeOfTurn({
      remembered: profile.locale,
      binding: binding?.locale,
      activity: activity.locale,
      fallback: this.deps.config.DEFAULT_LOCALE,
    });
    const info: TurnInfo = { channel, chatUserId, locale, profile, budget: new TurnBudget() };
    context.turnState.set(TURN_INFO, info);
    const dc = await this.dialogs.createContext(context);
    try {
      if (activity.type === 'message') await this.onMessage(dc);
      else if (activity.type === 'event' && activity.name === RESUME_EVENT)
        await this.onResume(dc, activity.value);
      else if (activity.type === 'conversationUpdate') await this.onConversationUpdate(dc);
    } catch (error) {
      await this.recover(dc, error);
    }
  }

  private async say(context: TurnContext, text: string): Promise<void> {
    const info = context.turnState.get(TURN_INFO) as TurnInfo;
    await context.sendActivity(toActivity({ kind: 'text', text }, info.locale));
  }

  private info(dc: DialogContext): TurnInfo {
    return dc.context.turnState.get(TURN_INFO) as TurnInfo;
  }

  private async onMessage(dc: DialogContext): Promise<void> {
    const activity = dc.context.activity;
    const screened = screenInput(activity, this.deps.config.TICKET_CATEGORIES);
    if (screened !== 'ok') return this.refuseInput(dc, screened);
    const pressed = pressedValue(activity);
    const command = globalCommand(activity.text, pressed);
    if (command) return this.onCommand(dc, command);
    if (dc.activeDialog) {
      // A button of an older message (not the question now waiting) is a new request, not an answer.
      const top = dc.activeDialog;
      if (pressed && top.id === ASK && !askAccepts(top.state.options as AskOptions, pressed)) {
        await dc.cancelAllDialogs();
        await dc.beginDialog(MAIN, { action: pressed } satisfies MainState);
        return;
      }
      // A ticket number typed while a question with buttons waits opens that ticket (free text never would).
      const typed = (activity.text ?? '').trim();
      if (
        !pressed &&
        top.id === ASK &&
        TICKET_NUMBER.test(typed) &&
        !(top.state.options as AskOptions).text
      ) {
        await dc.cancelAllDialogs();
        await dc.beginDialog(MAIN, {
          action: { action: 'open_ticket', ticketId: typed.toUpperCase() },
        } satisfies MainState);
        return;
      }
      const result = await dc.continueDialog();
      if (result.status === 'empty') await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      return;
    }
    const text = (activity.text ?? '').trim();
    const start: MainState = pressed
      ? { action: pressed }
      : text
        ? { typed: text, mode: 'menu' }
        : { mode: 'home' };
    await dc.beginDialog(MAIN, start);
  }

  /**
   * Input no dialog may see. Text PostgreSQL cannot store (NUL, lone surrogates): said so, and the
   * waiting question is asked again, so the dialog goes on. A button value we never made (an old
   * card of a removed feature, a crafted request): "that button is out of date", and the menu.
   */
  private async refuseInput(dc: DialogContext, problem: 'unstorable' | 'outdated'): Promise<void> {
    const info = this.info(dc);
    if (problem === 'unstorable') {
      await this.say(dc.context, t(info.locale, 'error.invalid_characters'));
      if (dc.activeDialog) await dc.repromptDialog();
      else await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      return;
    }
    await this.say(dc.context, t(info.locale, 'input.outdated_button'));
    await dc.cancelAllDialogs();
    await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
  }

  private async onCommand(dc: DialogContext, command: GlobalCommand): Promise<void> {
    const info = this.info(dc);
    if (typeof command === 'object') {
      info.locale = command.language;
      info.profile.locale = command.language;
      await this.rememberLocale(info);
      await this.say(dc.context, t(info.locale, 'language.switched'));
      if (dc.activeDialog?.id === ASK) {
        // The waiting flow asks its question again, now in the new language.
        await dc.endDialog({ kind: 'relocalize' });
        if (!dc.activeDialog) await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      } else {
        await dc.cancelAllDialogs();
        await dc.beginDialog(MAIN, { mode: 'home' } satisfies MainState);
      }
      return;
    }
    switch (command) {
      case 'menu':
        await dc.cancelAllDialogs();
        await dc.beginDialog(MAIN, { mode: 'home' } satisfies MainState);
        return;
      case 'help':
        await this.say(dc.context, t(info.locale, 'help.anytime'));
        if (dc.activeDialog && dc.stack.length > 2) {
          await dc.repromptDialog();
        } else {
          await dc.cancelAllDialogs();
          await dc.beginDialog(MAIN, { mode: 'help' } satisfies MainState);
        }
        return;
      case 'cancel': {
        const inFlow = dc.stack.length > 2 || (dc.activeDialog !== undefined && dc.activeDialog.id !== ASK);
        await dc.cancelAllDialogs();
        await this.say(dc.context, t(info.locale, inFlow ? 'common.cancelled' : 'common.nothing_to_cancel'));
        await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
        return;
      }
      case 'sign_out':
        await dc.cancelAllDialogs();
        await this.deps.services.bindings.signOut(info.channel, info.chatUserId);
        delete info.profile.identityId;
        await this.say(dc.context, t(info.locale, 'signin.signed_out'));
        await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
        return;
    }
  }

  /** The chosen language also goes to the binding and the account, so pushes and SMS use it. */
  private async rememberLocale(info: TurnInfo): Promise<void> {
    const binding = await this.deps.services.bindings.get(info.channel, info.chatUserId);
    if (!binding) return;
    await this.deps.services.bindings.setLocale(info.channel, info.chatUserId, info.locale);
    if (binding.accountId)
      await this.deps.services.accounts.updateProfile(binding.accountId, { locale: info.locale });
  }

  private async onResume(dc: DialogContext, value: unknown): Promise<void> {
    const info = this.info(dc);
    const kind = (value as { kind?: ResumeKind } | undefined)?.kind;
    if (kind === 'signed_in') {
      const binding = await this.deps.services.bindings.get(info.channel, info.chatUserId);
      if (!binding?.accountId) return;
      const account = await this.deps.services.accounts.get(binding.accountId);
      if (binding.activeIdentityId) info.profile.identityId = binding.activeIdentityId;
      else delete info.profile.identityId;
      await dc.cancelAllDialogs();
      await this.say(dc.context, t(info.locale, 'signin.success', { name: account.name }));
      // Home; with several identities and none active yet, the identity picker comes first.
      await dc.beginDialog(MAIN, { mode: 'home' } satisfies MainState);
      return;
    }
    if (kind === 'password_changed' || kind === 'password_reset') {
      await this.say(dc.context, t(info.locale, `password.${kind}`));
      if (dc.activeDialog) await dc.repromptDialog();
      else
        await dc.beginDialog(MAIN, { mode: kind === 'password_reset' ? 'menu' : 'home' } satisfies MainState);
    }
  }

  private async onConversationUpdate(dc: DialogContext): Promise<void> {
    const activity = dc.context.activity;
    const botId = activity.recipient?.id;
    const joined = (activity.membersAdded ?? []).some((m) => m.id !== botId);
    if (!joined || dc.activeDialog) return;
    await dc.beginDialog(MAIN, { mode: 'welcome' } satisfies MainState);
  }

  /** Turns a failure into words and a way on: sign-in, the identity picker, or the menu. Never silence. */
  private async recover(dc: DialogContext, thrown: unknown): Promise<void> {
    const info = this.info(dc);
    // botbuilder wraps what a step throws; the cause is what we answer.
    const error = thrown instanceof DialogContextError ? thrown.error : thrown;
    // Recovery gets a budget of its own: the one spent is what brought us here.
    info.budget = new TurnBudget();
    try {
      await dc.cancelAllDialogs();
      if (error instanceof TurnBudgetExceeded) {
        this.log?.error(
          { where: error.where, steps: error.steps, elapsedMs: error.elapsedMs, channel: info.channel },
          'dialogs: a turn ran out of its budget and was ended',
        );
        await this.say(dc.context, t(info.locale, 'main.turn_budget'));
        await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      } else if (error instanceof NeedsPasswordChange) {
        await this.say(dc.context, t(info.locale, 'signin.must_change_password'));
        await dc.context.sendActivity(
          toActivity(await webLink(this.deps, dc.context, 'change_password'), info.locale),
        );
      } else if (error instanceof NeedsSignIn) {
        await this.say(dc.context, t(info.locale, 'signin.required'));
        await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      } else if (error instanceof NeedsIdentity) {
        await dc.beginDialog(MAIN, {
          action: { action: 'switch_identity', unbound: error.unbound },
        } satisfies MainState);
      } else {
        await this.say(dc.context, errorMessage(info.locale, error));
        await dc.beginDialog(MAIN, { mode: 'menu' } satisfies MainState);
      }
    } catch (second) {
      await dc.cancelAllDialogs().catch(() => undefined);
      await this.say(dc.context, errorMessage(info.locale, second));
    }
  }
}
