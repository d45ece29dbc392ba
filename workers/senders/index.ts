import type { AppContext } from '../../app/context';
import type { ChatChannel } from '../../services/contracts';
import { SmtpEmailSender } from './email';
import { AliyunSmsSender } from './sms-aliyun';
import { LogSmsSender } from './sms-log';
import { TencentSmsSender } from './sms-tencent';
import type { ChatSender, ChatSenderFactory, Senders, SmsSender } from './types';
import { type WebChatPushPort, WebChatSender } from './web';

export type { Senders } from './types';

/**
 * The chat sender registry: one factory per chat channel. The Teams and WeCom engineers add theirs
 * here (e.g. `teams: createTeamsSender` from './teams'); a channel without a factory, or whose factory
 * returns undefined (not configured), is unreachable and its deliveries fall back to SMS/email.
 */
export const CHAT_SENDER_FACTORIES: Partial<Record<ChatChannel, ChatSenderFactory>> = {};

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
export async function createSenders(ctx: AppContext, overrides: SenderOverrides = {}): Promise<Senders> {
  const chat: Partial<Record<ChatChannel, ChatSender>> = {};
  const push = overrides.webChatPush ?? (await loadWebChatPush(ctx));
  if (push && ctx.config.CHANNELS.includes('web')) chat.web = new WebChatSender(push);
  for (const [channel, factory] of Object.entries(CHAT_SENDER_FACTORIES) as [
    ChatChannel,
    ChatSenderFactory,
  ][]) {
    const sender = await factory(ctx);
    if (sender) chat[channel] = sender;
  }
  Object.assign(chat, overrides.chat);
  const email =
    'email' in overrides
      ? overrides.email
      : ctx.config.SMTP_URL
        ? new SmtpEmailSender(ctx.config.SMTP_URL, ctx.config.MAIL_FROM)
        : undefined;
  return { chat, sms: overrides.sms ?? createSmsSender(ctx), email };
}

async function loadWebChatPush(_ctx: AppContext): Promise<WebChatPushPort | undefined> {
  return undefined;
}
