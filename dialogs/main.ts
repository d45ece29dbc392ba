import type { DialogTurnResult, WaterfallStepContext } from 'botbuilder-dialogs';
import { t } from '../i18n';
import type { ListScope } from '../services/contracts';
import { actorFor } from './actor';
import type { AskResult } from './ask';
import { choice } from './choices';
import { type DialogDeps, Flow, type FlowState } from './flow';
import { homeReply, languageChoice, signedInActions, signedOutActions } from './home';
import { matchTyped } from './input';
import { TICKET_NUMBER, words } from './keywords';
import type { ActionValue, Choice, Reply } from './replies';
import { turnInfo } from './turn';

export const MAIN = 'main';
export const IDS = {
  signIn: 'sign_in',
  identity: 'identity',
  newTicket: 'new_ticket',
  list: 'list',
  details: 'details',
  rating: 'rating',
  password: 'password',
  profile: 'profile',
} as const;

export interface MainState extends FlowState {
  /** home: figures and menu; menu: a short "anything else?" menu; help; welcome (first contact). */
  mode?: 'home' | 'menu' | 'help' | 'welcome';
  /** A request to carry out before asking anything (a pressed button, a typed command). */
  action?: ActionValue;
  typed?: string;
}

/** What a flow may return: a next request for the main dialog (e.g. home after sign-in). */
export interface FlowEnd {
  next?: ActionValue;
}

/** The main loop (F14): home or menu, routing every request to its flow, and back here when it ends. */
export class MainFlow extends Flow<MainState> {
  constructor(deps: DialogDeps) {
    super(MAIN, deps);
  }

  protected async ask(step: WaterfallStepContext<MainState>, state: MainState): Promise<DialogTurnResult> {
    if (state.action) {
      const value = state.action;
      delete state.action;
      return step.next({ kind: 'choice', value } satisfies AskResult);
    }
    if (state.typed !== undefined) {
      const text = state.typed;
      delete state.typed;
      return step.next({ kind: 'text', text } satisfies AskResult);
    }
    const reply = await this.menuReply(step, state.mode ?? 'menu');
    return this.prompt(step, {
      reply,
      text: { maxLength: 4000, tooLong: this.t(step.context, 'main.unknown') },
      retry: this.t(step.context, 'main.unknown'),
    });
  }

  private async signedIn(step: WaterfallStepContext<MainState>): Promise<boolean> {
    const { channel, chatUserId } = turnInfo(step.context);
    const binding = await this.deps.services.bindings.get(channel, chatUserId);
    return Boolean(binding?.accountId);
  }

  private async menuReply(
    step: WaterfallStepContext<MainState>,
    mode: NonNullable<MainState['mode']>,
  ): Promise<Reply> {
    const { locale } = turnInfo(step.context);
    if (!(await this.signedIn(step))) {
      const key =
        mode === 'welcome' ? 'main.welcome' : mode === 'help' ? 'help.signed_out' : 'main.signed_out';
      return { kind: 'choices', text: t(locale, key), choices: signedOutActions(locale) };
    }
    const actor = await actorFor(this.deps, step.context);
    if (mode === 'home' || mode === 'welcome') return homeReply(this.deps, step.context, actor);
    const text = mode === 'help' ? t(locale, 'help.signed_in') : t(locale, 'main.anything_else');
    return { kind: 'choices', text, choices: [...signedInActions(locale), languageChoice(locale)] };
  }

  protected async answer(
    step: WaterfallStepContext<MainState>,
    state: MainState,
    result: AskResult,
  ): Promise<DialogTurnResult> {
    const value =
      result.kind === 'choice' ? result.value : result.kind === 'text' ? intentOf(result.text) : undefined;
    if (!value) {
      const typed = result.kind === 'text' ? result.text : '';
      state.notice = this.t(step.context, 'main.unknown_typed', { text: typed.slice(0, 40) });
      state.mode = 'menu';
      return this.loop(step);
    }
    return this.route(step, state, value);
  }

  private async route(
    step: WaterfallStepContext<MainState>,
    state: MainState,
    value: ActionValue,
  ): Promise<DialogTurnResult> {
    const begin = (id: string, options: object) => step.beginDialog(id, options);
    switch (value.action) {
      case 'home':
      case 'menu':
        state.mode = 'home';
        return this.loop(step);
      case 'help':
        state.mode = 'help';
        return this.loop(step);
      case 'sign_in':
        return begin(IDS.signIn, {
          method: value.method === 'code' ? 'code' : value.method === 'web' ? 'web' : undefined,
        });
      case 'switch_identity':
        return begin(IDS.identity, { unbound: value.unbound === true });
      case 'new_ticket':
        return begin(IDS.newTicket, { fields: {} });
      case 'resume_draft':
        return begin(IDS.newTicket, { fields: {}, draftId: String(value.ticketId) });
      case 'list':
        return begin(IDS.list, {
          scope: (value.scope as ListScope) ?? 'mine',
          status: value.status as string | undefined,
          resolvedSince: value.resolvedSince as string | undefined,
          cursor: value.cursor as string | undefined,
          page: Number(value.page ?? 1) || 1,
        });
      case 'open_ticket':
        return begin(IDS.details, { ticketId: String(value.ticketId) });
      case 'ticket_action':
        return begin(IDS.details, { ticketId: String(value.ticketId), op: String(value.op) });
      case 'rate':
        return begin(IDS.rating, { ticketId: String(value.ticketId) });
      case 'change_password':
      case 'forgot_password':
        return begin(IDS.password, { purpose: value.action });
      case 'profile':
        return begin(IDS.profile, {});
      default:
        state.notice = this.t(step.context, 'main.unknown');
        state.mode = 'menu';
        return this.loop(step);
    }
  }

  protected override async resumed(
    step: WaterfallStepContext<MainState>,
    state: MainState,
    result: unknown,
  ): Promise<DialogTurnResult> {
    const next = (result as FlowEnd | undefined)?.next;
    if (next) return this.route(step, state, next);
    state.mode = 'menu';
    return this.loop(step);
  }
}

const INTENTS: { words: string[]; value: ActionValue }[] = [
  { words: words('newTicket'), value: { action: 'new_ticket' } },
  { words: words('drafts'), value: { action: 'list', scope: 'drafts' } },
  { words: words('myTickets'), value: { action: 'list', scope: 'mine' } },
  { words: ['shared', 'shared with me', '分享给我的'], value: { action: 'list', scope: 'shared' } },
  { words: ['all', 'all tickets', '全部工单', '全部'], value: { action: 'list', scope: 'all' } },
  { words: words('switchIdentity'), value: { action: 'switch_identity' } },
  { words: words('profile'), value: { action: 'profile' } },
  { words: words('changePassword'), value: { action: 'change_password' } },
  { words: words('forgotPassword'), value: { action: 'forgot_password' } },
  { words: words('codeSignIn'), value: { action: 'sign_in', method: 'code' } },
  { words: words('webSignIn'), value: { action: 'sign_in', method: 'web' } },
  { words: words('signIn'), value: { action: 'sign_in' } },
  { words: ['figures', 'dashboard', '数据', '关键数据'], value: { action: 'home' } },
];

/** Typed requests understood anywhere outside a question: keywords of every menu item, and ticket numbers. */
export function intentOf(text: string): ActionValue | undefined {
  const trimmed = text.trim();
  if (TICKET_NUMBER.test(trimmed)) return { action: 'open_ticket', ticketId: trimmed.toUpperCase() };
  const choices: Choice[] = INTENTS.map((i) => choice(i.value.action, i.value, { synonyms: i.words }));
  return matchTyped(
    choices.map((c) => ({ ...c, label: '' })),
    /^\d+$/.test(trimmed) ? '' : trimmed,
  )?.value;
}
