import type { Activity, CardAction } from 'botbuilder';
import type { ActionValue, Choice, FormField, Reply } from '../../dialogs/replies';
import { replyOf } from '../../dialogs/say';
import type { ChannelRenderer } from './index';

/**
 * What the web chat page receives for one bot message: plain JSON blocks the page turns into DOM with
 * textContent only (no HTML from the server), so every text is safe to show as it is.
 */
export interface WebButton {
  label: string;
  /** Sent back as the message `value` when pressed (null: a plain text suggestion). */
  value: ActionValue | null;
  /** The message text sent when pressed, when it differs from the label. */
  text?: string;
  style: 'primary' | 'default' | 'danger';
}

/** Form fields reach the page as the dialogs describe them (labels, limits, messages, patterns). */
export type WebField = FormField;

export type WebBlock =
  | { kind: 'text'; text: string }
  | { kind: 'buttons'; text: string; buttons: WebButton[] }
  | {
      kind: 'form';
      formId: string;
      title: string;
      fields: WebField[];
      submit: WebButton;
      secondary: WebButton[];
    }
  | {
      kind: 'ticket';
      number: string | null;
      title: string;
      status: string;
      statusLabel: string;
      facts: { label: string; value: string }[];
      description: string;
      resolution: string | null;
      timeline: { at: string; text: string }[];
      actions: WebButton[];
    }
  | {
      kind: 'list';
      title: string;
      pageLabel: string;
      items: { id: string; title: string; subtitle: string; open: WebButton }[];
      emptyText: string;
      navigation: WebButton[];
      actions: WebButton[];
    }
  | {
      kind: 'figures';
      title: string;
      figures: { label: string; count: number; open: WebButton }[];
      actions: WebButton[];
    }
  | { kind: 'link'; text: string; url: string; label: string; expiresInMinutes: number | null }
  | { kind: 'image'; url: string; alt: string }
  | { kind: 'file'; url: string; name: string };

export interface WebMessage {
  /** 'add' a new message, 'update' the message with this id in place, 'delete' it. */
  op: 'add' | 'update' | 'delete';
  id: string;
  timestamp: string;
  locale: string | null;
  /** The plain-text fallback (also what a screen reader or a copy gets). */
  text: string;
  blocks: WebBlock[];
}

const LABEL_MAX = 40;
const TEXT_MAX = 8000;

/** Only web links and our own paths: a reply can never smuggle a javascript: or data: URL into the page. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== 'string' || url.length > 2048) return null;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.toString() : null;
  } catch {
    return null;
  }
}

const str = (value: unknown, max = TEXT_MAX): string =>
  typeof value === 'string' ? value.slice(0, max) : '';

function button(choice: Choice): WebButton {
  return {
    label: str(choice.label, LABEL_MAX),
    value: choice.value,
    style: choice.style === 'primary' || choice.style === 'danger' ? choice.style : 'default',
  };
}

const buttons = (choices: Choice[] | undefined): WebButton[] =>
  (choices ?? []).filter((c) => c && typeof c.value?.action === 'string').map(button);

function field(f: FormField): WebField {
  switch (f.kind) {
    case 'choice':
      return {
        ...f,
        options: f.options.map((o) => ({ label: str(o.label, 100), value: str(o.value, 200) })),
      };
    case 'rating':
      return { ...f, max: 5 };
    default:
      return { ...f };
  }
}

/** One Reply (the channel-neutral structure) as web blocks. */
export function renderReply(reply: Reply): WebBlock[] {
  switch (reply.kind) {
    case 'text':
      return [{ kind: 'text', text: str(reply.text) }];
    case 'choices':
      return [{ kind: 'buttons', text: str(reply.text), buttons: buttons(reply.choices) }];
    case 'form':
      return [
        {
          kind: 'form',
          formId: reply.formId,
          title: str(reply.title),
          fields: reply.fields.map(field),
          submit: button(reply.submit),
          secondary: buttons(reply.secondary),
        },
      ];
    case 'ticket': {
      const tk = reply.ticket;
      return [
        {
          kind: 'ticket',
          number: tk.number,
          title: str(tk.title),
          status: tk.status,
          statusLabel: str(tk.statusLabel),
          facts: tk.facts.map((x) => ({ label: str(x.label, 100), value: str(x.value, 1000) })),
          description: str(tk.description),
          resolution: tk.resolution ? str(tk.resolution) : null,
          timeline: tk.timeline.map((e) => ({ at: str(e.at, 100), text: str(e.text, 1000) })),
          actions: buttons(reply.actions),
        },
      ];
    }
    case 'list':
      return [
        {
          kind: 'list',
          title: str(reply.title),
          pageLabel: str(reply.pageLabel, 200),
          items: reply.items.map((item) => ({
            id: item.id,
            title: str(item.title, 500),
            subtitle: str(item.subtitle, 500),
            open: { label: str(item.title, LABEL_MAX), value: item.open, style: 'default' },
          })),
          emptyText: str(reply.emptyText),
          navigation: buttons(reply.navigation),
          actions: buttons(reply.actions),
        },
      ];
    case 'figures':
      return [
        {
          kind: 'figures',
          title: str(reply.title),
          figures: reply.figures.map((f) => ({
            label: str(f.label, 100),
            count: Number(f.count) || 0,
            open: button(f.open),
          })),
          actions: buttons(reply.actions),
        },
      ];
    case 'link': {
      const url = safeUrl(reply.url);
      if (!url) return [{ kind: 'text', text: str(reply.text) }];
      const minutes = reply.expiresInSeconds ? Math.max(1, Math.round(reply.expiresInSeconds / 60)) : null;
      return [
        {
          kind: 'link',
          text: str(reply.text),
          url,
          label: str(reply.label, LABEL_MAX),
          expiresInMinutes: minutes,
        },
      ];
    }
    case 'image': {
      const url = safeUrl(reply.url);
      return url
        ? [{ kind: 'image', url, alt: str(reply.alt, 200) }]
        : [{ kind: 'text', text: str(reply.alt) }];
    }
    default:
      return [];
  }
}

/** botbuilder prompts put choices in suggestedActions: show them as buttons too. */
function suggested(actions: CardAction[] | undefined): WebButton[] {
  return (actions ?? []).map((a) => {
    const label = str(a.title ?? String(a.value ?? ''), LABEL_MAX);
    if (
      a.value &&
      typeof a.value === 'object' &&
      typeof (a.value as { action?: unknown }).action === 'string'
    ) {
      return { label, value: a.value as ActionValue, style: 'default' as const };
    }
    return {
      label,
      value: null,
      text: str(String(a.value ?? a.title ?? ''), 500),
      style: 'default' as const,
    };
  });
}

/** A bot activity as the page's JSON: the Reply when present, else its text, images and files. */
export function renderWebActivity(activity: Partial<Activity>): WebMessage {
  const op =
    activity.type === 'messageDelete'
      ? 'delete'
      : (activity.channelData as { webchat?: { op?: string } } | undefined)?.webchat?.op === 'update'
        ? 'update'
        : 'add';
  const text = str(activity.text);
  const blocks: WebBlock[] = [];
  const reply = replyOf(activity);
  if (reply) {
    blocks.push(...renderReply(reply));
  } else if (text) {
    blocks.push({ kind: 'text', text });
  }
  for (const a of activity.attachments ?? []) {
    const url = safeUrl(a.contentUrl);
    if (!url) continue;
    if (a.contentType.startsWith('image/')) blocks.push({ kind: 'image', url, alt: str(a.name, 200) });
    else blocks.push({ kind: 'file', url, name: str(a.name, 200) || 'file' });
  }
  const actions = suggested(activity.suggestedActions?.actions);
  if (actions.length > 0) blocks.push({ kind: 'buttons', text: '', buttons: actions });
  const timestamp = activity.timestamp
    ? new Date(activity.timestamp).toISOString()
    : new Date().toISOString();
  return { op, id: activity.id ?? '', timestamp, locale: activity.locale ?? null, text, blocks };
}

export const webRenderer: ChannelRenderer<WebMessage> = { channelId: 'web', render: renderWebActivity };

/** Every button a web message block offers (what the page lets the user press). */
export function buttonsOf(block: WebBlock): WebButton[] {
  switch (block.kind) {
    case 'buttons':
      return block.buttons;
    case 'form':
      return block.secondary;
    case 'ticket':
      return block.actions;
    case 'list':
      return [
        ...block.items.map((i) => ({ ...i.open, label: i.title })),
        ...block.navigation,
        ...block.actions,
      ];
    case 'figures':
      return [...block.figures.map((f) => f.open), ...block.actions];
    default:
      return [];
  }
}

/** The button with this label (exact, else the first that contains it) among these messages. */
export function findButton(messages: WebMessage[], label: string): WebButton | undefined {
  const buttons = messages.flatMap((m) => m.blocks).flatMap(buttonsOf);
  return buttons.find((b) => b.label === label) ?? buttons.find((b) => b.label.includes(label));
}
