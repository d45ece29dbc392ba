import type { Activity } from 'botbuilder';
import type { ActionValue, Choice } from './replies';

/** A file or image the user sent in chat. */
export interface ChatFile {
  name: string;
  contentType: string;
  url: string;
  size: number;
}

const FULL_WIDTH_DIGITS = /[０-９]/g;

/** Lower case, half-width digits, no surrounding spaces or closing punctuation: "２。" -> "2", "Next!" -> "next". */
export function normalize(text: string | undefined | null): string {
  return (text ?? '')
    .replace(FULL_WIDTH_DIGITS, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0))
    .trim()
    .replace(/[\s。．.!！?？,，、;；~～]+$/u, '')
    .replace(/^[\s]+/u, '')
    .replace(/\s+/g, ' ')
    .toLowerCase();
}

/** The ActionValue of a pressed button or a submitted card, if the activity carries one. */
export function pressedValue(activity: Partial<Activity>): ActionValue | undefined {
  const value = activity.value as unknown;
  if (value && typeof value === 'object' && typeof (value as { action?: unknown }).action === 'string') {
    return value as ActionValue;
  }
  return undefined;
}

/** A pressed value answers a choice when it repeats every key of the choice's value (a form adds its fields). */
export function valueMatches(choice: ActionValue, pressed: ActionValue): boolean {
  return Object.entries(choice).every(([key, v]) => v === undefined || String(pressed[key]) === String(v));
}

/** The choice meant by typed text: its number in the list, its label or one of its synonyms. */
export function matchTyped(choices: Choice[], text: string): Choice | undefined {
  const typed = normalize(text);
  if (typed === '') return undefined;
  if (/^\d{1,2}$/.test(typed)) return choices[Number(typed) - 1];
  return (
    choices.find((c) => normalize(c.label) === typed) ??
    choices.find((c) => (c.synonyms ?? []).some((s) => normalize(s) === typed))
  );
}

const IGNORED_ATTACHMENTS = new Set([
  'application/vnd.helpdesk.reply+json',
  'text/html',
  'application/vnd.microsoft.card.adaptive',
]);

/** Images and files attached to a message (web chat, Teams, WeCom adapters all put them in attachments). */
export function filesOf(activity: Partial<Activity>): ChatFile[] {
  const files: ChatFile[] = [];
  for (const a of activity.attachments ?? []) {
    if (IGNORED_ATTACHMENTS.has(a.contentType)) continue;
    const content = (a.content ?? {}) as { downloadUrl?: string; size?: number; fileType?: string };
    const url = a.contentUrl ?? content.downloadUrl;
    if (!url) continue;
    const size = (a as { size?: number }).size ?? content.size ?? 0;
    const contentType =
      a.contentType === 'application/vnd.microsoft.teams.file.download.info'
        ? guessType(a.name ?? '', content.fileType)
        : a.contentType;
    files.push({ name: a.name ?? fileNameFrom(url), contentType, url, size: Number(size) || 0 });
  }
  return files;
}

function fileNameFrom(url: string): string {
  const last = url.split(/[/?#]/).filter(Boolean).pop();
  return last && last.length <= 100 ? last : 'file';
}

function guessType(name: string, fileType?: string): string {
  const ext = (fileType ?? name.split('.').pop() ?? '').toLowerCase();
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    gif: 'image/gif',
    pdf: 'application/pdf',
    txt: 'text/plain',
  };
  return types[ext] ?? 'application/octet-stream';
}
