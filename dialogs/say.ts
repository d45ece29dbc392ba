import type { Activity } from 'botbuilder';
import { t } from '../i18n';
import type { Choice, Reply } from './replies';

export const REPLY_CONTENT_TYPE = 'application/vnd.helpdesk.reply+json';

/**
 * Every choice a reply offers, in the order the plain-text fallback numbers them (1, 2, ...).
 * The input recognizer uses the same order, so "2" typed in WeCom means what the second line says.
 * A form's submit is left out: it only makes sense with the form's fields (a card submit).
 */
export function replyChoices(reply: Reply): Choice[] {
  switch (reply.kind) {
    case 'choices':
      return reply.choices;
    case 'form':
      return reply.secondary ?? [];
    case 'ticket':
      return reply.actions;
    case 'list':
      return [
        ...reply.items.map((item) => ({ label: item.title, value: item.open })),
        ...reply.navigation,
        ...reply.actions,
      ];
    case 'figures':
      return [...reply.figures.map((f) => f.open), ...reply.actions];
    default:
      return [];
  }
}

function numbered(choices: Choice[], start = 1): string[] {
  return choices.map((c, i) => `${i + start}. ${c.label}`);
}

/** A complete plain-text rendering of a reply, for channels that show text only (WeCom, SMS-like clients). */
export function fallbackText(reply: Reply, locale: string): string {
  const lines: string[] = [];
  switch (reply.kind) {
    case 'text':
      return reply.text;
    case 'choices':
      lines.push(reply.text, ...numbered(reply.choices));
      break;
    case 'form':
      lines.push(reply.title, ...numbered(reply.secondary ?? []));
      break;
    case 'ticket': {
      const card = reply.ticket;
      lines.push(card.number ? `【${card.number}】${card.title}` : card.title);
      lines.push(`${t(locale, 'card.status')}${sep(locale)}${card.statusLabel}`);
      for (const fact of card.facts) lines.push(`${fact.label}${sep(locale)}${fact.value}`);
      if (card.description) lines.push(`${t(locale, 'card.description')}${sep(locale)}${card.description}`);
      if (card.resolution) lines.push(`${t(locale, 'card.resolution')}${sep(locale)}${card.resolution}`);
      if (card.timeline.length > 0) {
        lines.push(`${t(locale, 'card.timeline')}${sep(locale)}`);
        for (const entry of card.timeline) lines.push(`· ${entry.at} ${entry.text}`);
      }
      lines.push(...numbered(reply.actions));
      break;
    }
    case 'list': {
      lines.push(reply.pageLabel ? `${reply.title} (${reply.pageLabel})` : reply.title);
      if (reply.items.length === 0) lines.push(reply.emptyText);
      reply.items.forEach((item, i) => {
        lines.push(`${i + 1}. ${item.title}`, `   ${item.subtitle}`);
      });
      lines.push(...numbered([...reply.navigation, ...reply.actions], reply.items.length + 1));
      break;
    }
    case 'figures':
      lines.push(reply.title);
      reply.figures.forEach((f, i) => {
        lines.push(`${i + 1}. ${f.label}${sep(locale)}${f.count}`);
      });
      lines.push(...numbered(reply.actions, reply.figures.length + 1));
      break;
    case 'link':
      lines.push(reply.text, reply.url);
      if (reply.expiresInSeconds) {
        lines.push(
          t(locale, 'link.expires', { minutes: Math.max(1, Math.round(reply.expiresInSeconds / 60)) }),
        );
      }
      break;
    case 'image':
      lines.push(reply.alt, reply.url);
      break;
  }
  return lines.filter((line) => line !== '').join('\n');
}

function sep(locale: string): string {
  return locale === 'en-US' ? ': ' : '：';
}

/** The message Activity carrying a reply: the structure for renderers, and the text for everyone else. */
export function toActivity(reply: Reply, locale: string): Partial<Activity> {
  return {
    type: 'message',
    locale,
    textFormat: 'plain',
    text: fallbackText(reply, locale),
    attachments: [{ contentType: REPLY_CONTENT_TYPE, content: reply }],
  };
}

/** The Reply inside an activity built by toActivity, if any (renderers and tests). */
export function replyOf(activity: Partial<Activity>): Reply | undefined {
  const attachment = activity.attachments?.find((a) => a.contentType === REPLY_CONTENT_TYPE);
  return attachment?.content as Reply | undefined;
}
