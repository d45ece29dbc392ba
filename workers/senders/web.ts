import type { Activity } from 'botbuilder';
import type { Reply } from '../../dialogs/replies';
import type { ChatAddress, ChatSender, OutboundMessage } from './types';

/** The content type dialogs/say.ts uses for a channel-neutral reply inside an activity. */
const REPLY_CONTENT_TYPE = 'application/vnd.helpdesk.reply+json';

/** What the bot's web chat offers the workers (bot/web/push.ts, WebChatPush.deliver). */
export interface WebChatPushPort {
  deliver(chatUserId: string, activity: Partial<Activity>): Promise<unknown>;
}

/**
 * The notification as a web chat message activity: the headline and body as text (what every
 * renderer can show) and the next steps as buttons through the reply attachment. The activity id is
 * the delivery key, so a browser that somehow gets the same message twice can drop the second.
 */
export function notificationActivity(message: OutboundMessage): Partial<Activity> {
  const text = `${message.title}\n${message.text}`;
  const reply: Reply =
    message.actions.length > 0
      ? { kind: 'choices', text, choices: message.actions.map((a) => ({ label: a.label, value: a.value })) }
      : { kind: 'text', text };
  return {
    type: 'message',
    id: message.key,
    locale: message.locale,
    textFormat: 'plain',
    text: [text, ...message.actions.map((a, i) => `${i + 1}. ${a.label}`)].join('\n'),
    attachments: [{ contentType: REPLY_CONTENT_TYPE, content: reply }],
    channelData: { notification: true },
  };
}

/** Web chat: the push stores the message for the user and wakes any open page (server-sent events). */
export class WebChatSender implements ChatSender {
  readonly channel = 'web' as const;

  constructor(private readonly push: WebChatPushPort) {}

  async send(to: ChatAddress, message: OutboundMessage): Promise<void> {
    if (to.kind !== 'chat') throw new Error(`web chat cannot reach ${to.kind} addresses`);
    await this.push.deliver(to.chatUserId, notificationActivity(message));
  }
}
