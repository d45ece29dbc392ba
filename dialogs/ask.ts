import type { TurnContext } from 'botbuilder';
import { Dialog, type DialogContext, type DialogInstance, type DialogTurnResult } from 'botbuilder-dialogs';
import { type ChatFile, filesOf, matchTyped, pressedValue, valueMatches } from './input';
import type { ActionValue, Reply } from './replies';
import { replyChoices, toActivity } from './say';
import { turnInfo } from './turn';

export const ASK = 'ask';

/**
 * What one question accepts. Options are stored in dialog state, so they are data only (no functions):
 * the reply to show, whether free text and/or files answer it, and the localized re-prompt texts.
 */
export interface AskOptions {
  reply: Reply;
  /** Free text is an answer (after the choices had their chance). */
  text?: {
    maxLength: number;
    /** Said for text longer than maxLength. */
    tooLong: string;
    /** A JavaScript regular expression the text must match, and what to say when it does not. */
    pattern?: string;
    patternError?: string;
  };
  /** Images/files sent in chat are an answer. */
  files?: boolean;
  /** Said when the input is not understood (before showing the question again). */
  retry: string;
}

export type AskResult =
  | { kind: 'choice'; value: ActionValue }
  | { kind: 'text'; text: string }
  | { kind: 'files'; files: ChatFile[]; text?: string }
  /** The user switched language while this question waited: the flow asks it again in the new language. */
  | { kind: 'relocalize' };

export function isAskResult(value: unknown): value is AskResult {
  return (
    typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string'
  );
}

/** Whether a pressed button/card value answers this question (else it is routed as a new request). */
export function askAccepts(options: AskOptions, value: ActionValue): boolean {
  const choices = replyChoices(options.reply).map((c) => c.value);
  if (options.reply.kind === 'form') choices.push(options.reply.submit.value);
  return choices.some((c) => valueMatches(c, value));
}

type Recognized = { ok: true; result: AskResult } | { ok: false; message: string };

function recognize(context: TurnContext, options: AskOptions): Recognized {
  const activity = context.activity;
  const pressed = pressedValue(activity);
  if (pressed && askAccepts(options, pressed))
    return { ok: true, result: { kind: 'choice', value: pressed } };
  const text = (activity.text ?? '').trim();
  const files = options.files ? filesOf(activity) : [];
  if (files.length > 0) return { ok: true, result: { kind: 'files', files, text: text || undefined } };
  const typed = matchTyped(replyChoices(options.reply), text);
  if (typed) return { ok: true, result: { kind: 'choice', value: typed.value } };
  if (options.text && text !== '') {
    if ([...text].length > options.text.maxLength) return { ok: false, message: options.text.tooLong };
    if (options.text.pattern && !new RegExp(options.text.pattern).test(text)) {
      return { ok: false, message: options.text.patternError ?? options.retry };
    }
    return { ok: true, result: { kind: 'text', text } };
  }
  return { ok: false, message: options.retry };
}

/**
 * The one prompt every flow uses. It shows a Reply and accepts a pressed button, the choice's number,
 * label or synonym typed as text, free text (with limits) and files, re-prompting clearly otherwise.
 */
export class AskDialog extends Dialog<AskOptions> {
  constructor() {
    super(ASK);
  }

  override async beginDialog(dc: DialogContext, options?: AskOptions): Promise<DialogTurnResult> {
    if (!options) throw new Error('ask needs options');
    dc.activeDialog!.state.options = options;
    await dc.context.sendActivity(toActivity(options.reply, turnInfo(dc.context).locale));
    return Dialog.EndOfTurn;
  }

  override async continueDialog(dc: DialogContext): Promise<DialogTurnResult> {
    if (dc.context.activity.type !== 'message') return Dialog.EndOfTurn;
    const options = dc.activeDialog!.state.options as AskOptions;
    const recognized = recognize(dc.context, options);
    if (recognized.ok) return dc.endDialog(recognized.result);
    const locale = turnInfo(dc.context).locale;
    await dc.context.sendActivity(toActivity({ kind: 'text', text: recognized.message }, locale));
    await dc.context.sendActivity(toActivity(options.reply, locale));
    return Dialog.EndOfTurn;
  }

  override async repromptDialog(context: TurnContext, instance: DialogInstance): Promise<void> {
    const options = instance.state.options as AskOptions;
    await context.sendActivity(toActivity(options.reply, turnInfo(context).locale));
  }
}
