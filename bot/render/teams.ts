import type { Activity, Attachment } from 'botbuilder';
import type { ActionValue, Choice, FormField, Reply } from '../../dialogs/replies';
import { fallbackText, replyOf } from '../../dialogs/say';
import { t } from '../../i18n';
import type { ChannelRenderer } from './index';

/**
 * Teams: the channel-neutral Reply (dialogs/replies.ts) as an Adaptive Card, schema 1.5 (the highest
 * Teams renders for bots). Every Action.Submit sends the choice's ActionValue plus the card id
 * (`CARD_ID_KEY`), so the Teams channel can tell which card was pressed, update it in place to a "done"
 * version and ignore a second press (bot/teams/cards.ts).
 *
 * Size: Teams refuses messages over ~28 KB. Long texts are cut (description, resolution, timeline,
 * list rows) so a card stays far below that whatever a ticket holds; a test checks the largest one.
 */

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';
export const CARD_VERSION = '1.5';
/** The key carrying the card id in submit data; stripped before the value reaches the dialogs. */
export const CARD_ID_KEY = 'hdCard';

// Budgets in characters (CJK text takes 3 bytes each): together at most ~12 KB of text per card.
const DESCRIPTION_LIMIT = 900;
const RESOLUTION_LIMIT = 900;
const TIMELINE_ENTRIES = 6;
const LINE_LIMIT = 150;
const FACTS = 10;
const FACT_LIMIT = 100;

/** One Adaptive Card element or action (a JSON object; Teams validates the shape). */
export interface CardElement {
  type: string;
  [key: string]: unknown;
}

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: string;
  body: CardElement[];
  actions?: CardElement[];
  msteams?: { width: 'Full' };
}

export function clip(text: string, limit: number): string {
  const chars = [...text];
  return chars.length <= limit ? text : `${chars.slice(0, limit - 1).join('')}…`;
}

export function card(body: CardElement[], actions: CardElement[] = []): AdaptiveCard {
  const out: AdaptiveCard = {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: CARD_VERSION,
    body,
    msteams: { width: 'Full' },
  };
  if (actions.length > 0) out.actions = actions;
  return out;
}

export function textBlock(text: string, options: Record<string, unknown> = {}): CardElement {
  return { type: 'TextBlock', text, wrap: true, ...options };
}

export function heading(text: string): CardElement {
  return textBlock(text, { size: 'Medium', weight: 'Bolder', style: 'heading' });
}

const STYLES: Record<NonNullable<Choice['style']>, string> = {
  primary: 'positive',
  danger: 'destructive',
  default: 'default',
};

/** Action.Submit for a choice. `inputs: false` sends no input values (cancel must not need a filled form). */
export function submitAction(choice: Choice, cardId: string | undefined, inputs = false): CardElement {
  const data: Record<string, unknown> = { ...choice.value };
  if (cardId) data[CARD_ID_KEY] = cardId;
  return {
    type: 'Action.Submit',
    title: choice.label,
    data,
    style: STYLES[choice.style ?? 'default'],
    associatedInputs: inputs ? 'auto' : 'none',
  };
}

function actionSet(choices: Choice[], cardId: string | undefined): CardElement[] {
  return choices.length === 0
    ? []
    : [{ type: 'ActionSet', actions: choices.map((c) => submitAction(c, cardId)), spacing: 'Medium' }];
}

function inputOf(field: FormField): CardElement {
  const common = {
    id: field.id,
    label: field.label,
    isRequired: field.required,
    errorMessage: field.errorMessage,
  };
  switch (field.kind) {
    case 'text':
    case 'textarea': {
      const input: CardElement = { type: 'Input.Text', ...common, maxLength: field.maxLength };
      if (field.kind === 'textarea') input.isMultiline = true;
      if (field.placeholder) input.placeholder = field.placeholder;
      if (field.value !== undefined) input.value = field.value;
      if (field.pattern) input.regex = field.pattern;
      return input;
    }
    case 'choice': {
      const input: CardElement = {
        type: 'Input.ChoiceSet',
        ...common,
        style: field.options.length <= 4 ? 'expanded' : 'compact',
        choices: field.options.map((o) => ({ title: o.label, value: o.value })),
      };
      if (field.value !== undefined) input.value = field.value;
      return input;
    }
    case 'rating': {
      // Input.Rating is Adaptive Cards 1.6+, which Teams does not render for bots: a 1-5 star choice set.
      const input: CardElement = {
        type: 'Input.ChoiceSet',
        ...common,
        style: 'expanded',
        choices: Array.from({ length: field.max }, (_, i) => ({
          title: `${'★'.repeat(i + 1)}${'☆'.repeat(field.max - i - 1)} ${i + 1}`,
          value: String(i + 1),
        })),
      };
      if (field.value !== undefined) input.value = String(field.value);
      return input;
    }
  }
}

function facts(list: { label: string; value: string }[]): CardElement[] {
  const shown = list.filter((f) => f.value !== '');
  return shown.length === 0
    ? []
    : [
        {
          type: 'FactSet',
          facts: shown
            .slice(0, FACTS)
            .map((f) => ({ title: clip(f.label, 40), value: clip(f.value, FACT_LIMIT) })),
        },
      ];
}

/** A row that opens something when clicked (a list item, a figure), with a button for keyboards too. */
function clickableRow(
  title: string,
  subtitle: string,
  open: ActionValue,
  cardId: string | undefined,
): CardElement {
  const action = submitAction({ label: clip(title, 20), value: open }, cardId);
  return {
    type: 'Container',
    separator: true,
    selectAction: { ...action, title: undefined, style: undefined },
    items: [
      textBlock(clip(title, 120), { weight: 'Bolder' }),
      textBlock(clip(subtitle, 200), { isSubtle: true, spacing: 'None' }),
    ],
  };
}

function formCard(reply: Extract<Reply, { kind: 'form' }>, cardId: string | undefined): AdaptiveCard {
  const fieldIds = new Set(reply.fields.map((f) => f.id));
  // Buttons that answer a field of this form (the star buttons beside a rating input) are for text
  // channels; in a card the input does it.
  const secondary = (reply.secondary ?? []).filter((c) => !Object.keys(c.value).some((k) => fieldIds.has(k)));
  const submit: Choice = {
    ...reply.submit,
    style: reply.submit.style ?? 'primary',
    value: { form: reply.formId, ...reply.submit.value },
  };
  return card(
    [heading(reply.title), ...reply.fields.map(inputOf)],
    [submitAction(submit, cardId, true), ...secondary.map((c) => submitAction(c, cardId))],
  );
}

function ticketCard(reply: Extract<Reply, { kind: 'ticket' }>, locale: string, cardId: string | undefined) {
  const ticket = reply.ticket;
  const body: CardElement[] = [
    heading(clip(ticket.number ? `【${ticket.number}】${ticket.title}` : ticket.title, 200)),
    textBlock(`${t(locale, 'card.status')}: ${ticket.statusLabel}`, {
      weight: 'Bolder',
      color: ticket.status === 'resolved' ? 'Good' : ticket.status === 'cancelled' ? 'Attention' : 'Accent',
      spacing: 'None',
    }),
    ...facts(ticket.facts),
  ];
  if (ticket.description) {
    body.push(textBlock(t(locale, 'card.description'), { weight: 'Bolder', separator: true }));
    body.push(textBlock(clip(ticket.description, DESCRIPTION_LIMIT), { spacing: 'None' }));
  }
  if (ticket.resolution) {
    body.push(textBlock(t(locale, 'card.resolution'), { weight: 'Bolder', separator: true }));
    body.push(textBlock(clip(ticket.resolution, RESOLUTION_LIMIT), { spacing: 'None' }));
  }
  if (ticket.timeline.length > 0) {
    body.push(textBlock(t(locale, 'card.timeline'), { weight: 'Bolder', separator: true }));
    const recent = ticket.timeline.slice(-TIMELINE_ENTRIES);
    if (recent.length < ticket.timeline.length)
      body.push(textBlock('…', { isSubtle: true, spacing: 'None' }));
    body.push({
      type: 'FactSet',
      spacing: 'None',
      facts: recent.map((e) => ({ title: clip(e.at, 40), value: clip(e.text, LINE_LIMIT) })),
    });
  }
  return card(
    body,
    reply.actions.map((c) => submitAction(c, cardId)),
  );
}

function listCard(reply: Extract<Reply, { kind: 'list' }>, cardId: string | undefined): AdaptiveCard {
  const body: CardElement[] = [heading(clip(reply.title, 200))];
  if (reply.pageLabel) body.push(textBlock(reply.pageLabel, { isSubtle: true, spacing: 'None' }));
  if (reply.items.length === 0) body.push(textBlock(reply.emptyText));
  for (const item of reply.items) body.push(clickableRow(item.title, item.subtitle, item.open, cardId));
  body.push(...actionSet(reply.navigation, cardId));
  return card(
    body,
    reply.actions.map((c) => submitAction(c, cardId)),
  );
}

function figuresCard(reply: Extract<Reply, { kind: 'figures' }>, cardId: string | undefined): AdaptiveCard {
  const rows: CardElement[] = reply.figures.map((f) => ({
    type: 'ColumnSet',
    separator: true,
    selectAction: { ...submitAction(f.open, cardId), title: undefined, style: undefined },
    columns: [
      { type: 'Column', width: 'stretch', items: [textBlock(f.label)] },
      {
        type: 'Column',
        width: 'auto',
        items: [textBlock(String(f.count), { weight: 'Bolder', size: 'Large', color: 'Accent' })],
      },
    ],
  }));
  return card(
    [
      heading(reply.title),
      ...rows,
      ...actionSet(
        reply.figures.map((f) => f.open),
        cardId,
      ),
    ],
    reply.actions.map((c) => submitAction(c, cardId)),
  );
}

/** The card for a reply; undefined for plain text (sent as a text message). */
export function renderReplyCard(reply: Reply, locale: string, cardId?: string): AdaptiveCard | undefined {
  switch (reply.kind) {
    case 'text':
      return undefined;
    case 'choices':
      return card([textBlock(reply.text), ...actionSet(reply.choices, cardId)]);
    case 'form':
      return formCard(reply, cardId);
    case 'ticket':
      return ticketCard(reply, locale, cardId);
    case 'list':
      return listCard(reply, cardId);
    case 'figures':
      return figuresCard(reply, cardId);
    case 'link': {
      const body = [textBlock(reply.text)];
      if (reply.expiresInSeconds) {
        const minutes = Math.max(1, Math.round(reply.expiresInSeconds / 60));
        body.push(textBlock(t(locale, 'link.expires', { minutes }), { isSubtle: true, spacing: 'Small' }));
      }
      return card(body, [{ type: 'Action.OpenUrl', title: reply.label, url: reply.url, style: 'positive' }]);
    }
    case 'image':
      return card([{ type: 'Image', url: reply.url, altText: reply.alt, size: 'Large' }]);
  }
}

/** Whether a rendered reply has buttons a user can press (and so is worth tracking for update in place). */
export function isInteractive(reply: Reply): boolean {
  return !['text', 'link', 'image'].includes(reply.kind);
}

/** What the "done" version of a reply's card needs: its headline and its choices (to name the pressed one). */
export function usedCardModel(reply: Reply, locale: string): { headline: string; choices: Choice[] } {
  switch (reply.kind) {
    case 'choices':
      return { headline: reply.text, choices: reply.choices };
    case 'form':
      return {
        headline: reply.title,
        choices: [
          { ...reply.submit, value: { form: reply.formId, ...reply.submit.value } },
          ...(reply.secondary ?? []),
        ],
      };
    case 'ticket':
      return {
        headline: reply.ticket.number
          ? `【${reply.ticket.number}】${reply.ticket.title}`
          : reply.ticket.title,
        choices: reply.actions,
      };
    case 'list':
      return {
        headline: reply.pageLabel ? `${reply.title} (${reply.pageLabel})` : reply.title,
        choices: [
          ...reply.items.map((i) => ({ label: i.title, value: i.open })),
          ...reply.navigation,
          ...reply.actions,
        ],
      };
    case 'figures':
      return { headline: reply.title, choices: [...reply.figures.map((f) => f.open), ...reply.actions] };
    default:
      return { headline: fallbackText(reply, locale), choices: [] };
  }
}

/**
 * The version a used card is replaced with: its headline and what was chosen, without any button or
 * input, so nothing on it can be pressed again.
 */
export function renderUsedCard(headline: string, pressedLabel: string | undefined): AdaptiveCard {
  const body = [textBlock(clip(headline, 400), { isSubtle: true })];
  if (pressedLabel) body.push(textBlock(`✓ ${pressedLabel}`, { weight: 'Bolder', spacing: 'Small' }));
  return card(body);
}

export function cardAttachment(content: AdaptiveCard): Attachment {
  return { contentType: ADAPTIVE_CARD, content };
}

/**
 * The outgoing activity as Teams gets it: a reply becomes an Adaptive Card attachment (the plain-text
 * fallback moves to `summary`, shown in notifications, instead of repeating the card above it); a text
 * reply stays a text message. Activities without a reply pass unchanged.
 */
export function renderTeamsActivity(activity: Partial<Activity>, cardId?: string): Partial<Activity> {
  const reply = replyOf(activity);
  if (!reply) return activity;
  const others = (activity.attachments ?? []).filter((a) => a.content !== reply);
  const locale = activity.locale ?? 'zh-CN';
  const content = renderReplyCard(reply, locale, cardId);
  if (!content) {
    const out: Partial<Activity> = { ...activity, attachments: others };
    if (others.length === 0) delete out.attachments;
    return out;
  }
  const out: Partial<Activity> = {
    ...activity,
    attachments: [cardAttachment(content), ...others],
    summary: clip((activity.text ?? '').split('\n')[0] ?? '', 100),
  };
  delete out.text;
  delete out.textFormat;
  return out;
}

/** For the renderer registry (tests, tools): renders without a card id. */
export const teamsRenderer: ChannelRenderer<Partial<Activity>> = {
  channelId: 'msteams',
  render: (activity) => renderTeamsActivity(activity),
};
