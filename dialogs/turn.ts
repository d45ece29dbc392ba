import { createHash } from 'node:crypto';
import type { Activity, TurnContext } from 'botbuilder';
import { DEFAULT_LOCALE, type Locale, resolveLocale } from '../i18n';
import type { ChatChannel } from '../services/contracts';
import type { UserProfile } from './actor';

const CHANNELS: Record<string, ChatChannel> = {
  web: 'web',
  webchat: 'web',
  msteams: 'teams',
  teams: 'teams',
  wecom: 'wecom',
  wechat_kf: 'wechat_kf',
};

/** Our chat channel of an activity; botbuilder's 'msteams' is our 'teams'. Unknown channels count as web. */
export function channelOf(activity: Partial<Activity>): ChatChannel {
  return CHANNELS[(activity.channelId ?? '').toLowerCase()] ?? 'web';
}

/**
 * The chat user id: the sender of a message. For a conversationUpdate the sender may be absent, so the
 * first added member that is not the bot stands in.
 */
export function chatUserOf(activity: Partial<Activity>): string {
  const from = activity.from?.id;
  if (from) return from;
  const botId = activity.recipient?.id;
  const member = activity.membersAdded?.find((m) => m.id !== botId);
  return member?.id ?? '';
}

/**
 * The locale of a turn, by precedence: the user's remembered choice ("English"/"中文"), the locale on
 * the chat binding, the chat client's locale on the activity, the default.
 */
export function localeOfTurn(input: {
  remembered?: string | null;
  binding?: string | null;
  activity?: string | null;
  fallback?: Locale;
}): Locale {
  for (const candidate of [input.remembered, input.binding, input.activity]) {
    if (candidate && candidate.trim() !== '') return resolveLocale(candidate);
  }
  return input.fallback ?? DEFAULT_LOCALE;
}

/** What every step needs about the turn, kept in turn state by HelpdeskDialogs.run. */
export interface TurnInfo {
  channel: ChatChannel;
  chatUserId: string;
  locale: Locale;
  /** The user-state record of this chat user (saved by the caller with the rest of the state). */
  profile: UserProfile;
  budget: TurnBudget;
}

/**
 * The hard limit of one turn: a handful of dialog steps (show a question, handle an answer, start a
 * child flow) and some seconds. A normal turn takes fewer than ten steps; a flow that would loop on
 * its own (an error that re-asks a question that fails again) runs out of steps and the turn ends
 * with an apology instead of growing until the process dies.
 */
export class TurnBudget {
  static readonly MAX_STEPS = 40;
  static readonly MAX_MS = 20_000;
  private steps = 0;
  private readonly startedAt: number;

  constructor(
    private readonly maxSteps = TurnBudget.MAX_STEPS,
    private readonly maxMs = TurnBudget.MAX_MS,
    private readonly now: () => number = Date.now,
  ) {
    this.startedAt = now();
  }

  /** Counts one step; throws TurnBudgetExceeded once the turn has used its steps or its time. */
  spend(where: string): void {
    this.steps += 1;
    const elapsedMs = this.now() - this.startedAt;
    if (this.steps > this.maxSteps || elapsedMs > this.maxMs) {
      throw new TurnBudgetExceeded(where, this.steps, elapsedMs);
    }
  }
}

export class TurnBudgetExceeded extends Error {
  constructor(
    readonly where: string,
    readonly steps: number,
    readonly elapsedMs: number,
  ) {
    super(`turn exceeded its budget at ${where} (${steps} steps, ${elapsedMs} ms)`);
    this.name = 'TurnBudgetExceeded';
  }
}

export const TURN_INFO = Symbol('helpdesk.turn');

export function turnInfo(context: TurnContext): TurnInfo {
  const info = context.turnState.get(TURN_INFO) as TurnInfo | undefined;
  if (!info) throw new Error('turn info missing: run dialogs through HelpdeskDialogs.run');
  return info;
}

/**
 * A key for what this message does in the services (a supplement it adds): the same message handled
 * again, after a crash before its turn was saved, does it once.
 */
export function messageKey(context: TurnContext): string | undefined {
  const a = context.activity;
  if (!a.id) return undefined;
  return createHash('sha256')
    .update(`${a.channelId}|${a.conversation?.id ?? ''}|${a.id}`)
    .digest('hex')
    .slice(0, 32);
}
