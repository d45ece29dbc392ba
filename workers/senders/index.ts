import type { AppContext } from '../../app/context';
import { createWebChatPush } from '../../bot/web/push';
import type { ChatChannel } from '../../services/contracts';
import { SmtpEmailSender } from './email';
import { AliyunSmsSender } from './sms-aliyun';
import { LogEmailSender, LogSmsSender } from './sms-log';
import { TencentSmsSender } from './sms-tencent';
import { createTeamsSender } from './teams';
import type { ChatSender, ChatSenderFactory, Senders, SmsSender } from './types';
import { type WebChatPushPort, WebChatSender } from './web';

export type { Senders } from './types';

/**
 * The chat sender registry: one factory per chat channel. The Teams and WeCom engineers add theirs
 * here (e.g. `teams: createTeamsSender` from './teams'); a channel without a factory, or whose factory
 * returns undefined (not configured), is unreachable and its deliveries fall back to SMS/email.
 */
export const CHAT_SENDER_FACTORIES: Partial<Record<ChatChannel, ChatSenderFactory>> = {
  teams: createTeamsSender,
};

export interface SenderOverrides {
  chat?: Partial<Record<ChatChannel, ChatSender>>;
  sms?: SmsSender;
  email?: Senders['email'];
  webChatPush?: WebChatPushPort;
}

export function createSmsSender(ctx: AppContext): SmsSender {
  switch (ctx.config.SMS_PROVIDER) {
    case 'tencent':
      return new TencentSmsSender(ctx.config);
    case 'aliyun':
      return new AliyunSmsSender(ctx.config);
    default:
      return new LogSmsSender(ctx.logger.child({ component: 'sms' }));
  }
}

/** Every sender of this process, from the configuration; tests and the benchmark override some. */
export async function createSenders(
  ctx: AppContext,
  overrides: SenderOverrides = {},
): Promise<Senders & { close(): Promise<void> }> {
  const chat: Partial<Record<ChatChannel, ChatSender>> = {};
  const closers: (() => Promise<void>)[] = [];
  if (ctx.config.CHANNELS.includes('web')) {
    let push = overrides.webChatPush;
    if (!push) {
      const own = createWebChatPush(ctx);
      closers.push(() => own.close());
      push = own;
    }
    chat.web = new WebChatSender(push);
  }
  for (const [channel, factory] of Object.entries(CHAT_SENDER_FACTORIES) as [
    ChatChannel,
    ChatSenderFactory,
  ][]) {
    const sender = await factory(ctx);
    if (sender) chat[channel] = sender;
  }
  Object.assign(chat, overrides.chat);
  const email = 'email' in overrides ? overrides.email : createEmailSender(ctx);
  if (email?.close) closers.push(() => email.close!());
  return {
    chat,
    sms: overrides.sms ?? createSmsSender(ctx),
    email,
    async close() {
      await Promise.all(closers.map((close) => close().catch(() => undefined)));
    },
  };
}

/** SMTP when configured; in development without one, the logging sender; otherwise none (email routes are skipped). */
function createEmailSender(ctx: AppContext): Senders['email'] {
  if (ctx.config.SMTP_URL) return new SmtpEmailSender(ctx.config.SMTP_URL, ctx.config.MAIL_FROM);
  if (ctx.config.NODE_ENV === 'development')
    return new LogEmailSender(ctx.logger.child({ component: 'email' }));
  return undefined;
}
