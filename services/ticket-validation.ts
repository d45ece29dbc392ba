import { type ChatChannel, type DraftFields, PRIORITIES, type ReplyChannel } from './contracts';
import type { Queryable } from './db/database';
import { invalidInput } from './errors';
import type { TicketRow } from './ticket-rows';

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 5000;
export const SUPPLEMENT_MAX = 5000;
export const COMMENT_MAX = 1000;
const CHAT_CHANNELS: readonly ChatChannel[] = ['web', 'teams', 'wecom', 'wechat_kf'];

/**
 * Field checks for drafts (each field as it is given) and for submit (all together). Every error
 * is invalid_input naming the field, so the dialog can re-prompt exactly that step.
 */
export function checkFields(fields: DraftFields, categories: readonly string[]): DraftFields {
  const out: DraftFields = {};
  if (fields.title !== undefined) {
    const title = String(fields.title).trim();
    if (title.length === 0) throw invalidInput('title', 'title_required', 'title is empty');
    if ([...title].length > TITLE_MAX)
      throw invalidInput('title', 'title_too_long', `title exceeds ${TITLE_MAX}`);
    out.title = title;
  }
  if (fields.description !== undefined) {
    const description = String(fields.description).trim();
    if ([...description].length > DESCRIPTION_MAX) {
      throw invalidInput('description', 'description_too_long', `description exceeds ${DESCRIPTION_MAX}`);
    }
    out.description = description;
  }
  if (fields.category !== undefined) {
    if (!categories.includes(fields.category))
      throw invalidInput('category', 'unknown_category', 'unknown category');
    out.category = fields.category;
  }
  if (fields.priority !== undefined) {
    if (!PRIORITIES.includes(fields.priority))
      throw invalidInput('priority', 'unknown_priority', 'unknown priority');
    out.priority = fields.priority;
  }
  if (fields.replyChannel !== undefined) out.replyChannel = checkReplyChannelShape(fields.replyChannel);
  return out;
}

function checkReplyChannelShape(value: ReplyChannel): ReplyChannel {
  const bad = () => invalidInput('replyChannel', 'invalid_reply_channel', 'reply channel is not valid');
  if (!value || typeof value !== 'object') throw bad();
  if (value.kind === 'sms' || value.kind === 'email') return { kind: value.kind };
  if (value.kind === 'chat') {
    if (
      !CHAT_CHANNELS.includes(value.channel) ||
      typeof value.chatUserId !== 'string' ||
      value.chatUserId === ''
    ) {
      throw bad();
    }
    return { kind: 'chat', channel: value.channel, chatUserId: value.chatUserId };
  }
  throw bad();
}

/**
 * Submit-time checks: every required field present and valid, and the reply channel reachable for
 * this account (its own bound chat, or a phone/email on file), so progress can never be routed to
 * somebody else's chat.
 */
export async function checkSubmittable(
  db: Queryable,
  row: TicketRow,
  categories: readonly string[],
): Promise<void> {
  checkFields(
    {
      title: row.title,
      description: row.description,
      category: row.category ?? undefined,
      priority: row.priority ?? undefined,
      replyChannel: row.reply_channel ?? undefined,
    },
    categories,
  );
  if (row.category === null) throw invalidInput('category', 'category_required', 'category is missing');
  if (row.priority === null) throw invalidInput('priority', 'priority_required', 'priority is missing');
  const channel = row.reply_channel;
  if (channel === null)
    throw invalidInput('replyChannel', 'reply_channel_required', 'reply channel is missing');
  const unavailable = () =>
    invalidInput(
      'replyChannel',
      'reply_channel_unavailable',
      'reply channel is not available for this account',
    );
  if (channel.kind === 'chat') {
    const { rows } = await db.query(
      'select 1 from chat_bindings where channel = $1 and chat_user_id = $2 and account_id = $3',
      [channel.channel, channel.chatUserId, row.account_id],
    );
    if (rows.length === 0) throw unavailable();
  } else {
    const column = channel.kind === 'sms' ? 'phone' : 'email';
    const { rows } = await db.query(`select 1 from accounts where id = $1 and ${column} is not null`, [
      row.account_id,
    ]);
    if (rows.length === 0) throw unavailable();
  }
}
