import { recordDevMessage } from '../../bot/web/dev-outbox';
import type { Logger } from '../../platform/logger';
import type { EmailSender, OutboundMessage, SmsSender } from './types';

type RecordDevMessage = (message: {
  to: string;
  text: string;
  via?: string;
  origin?: OutboundMessage['origin'];
}) => void | Promise<void>;

/**
 * Development SMS: nothing leaves the machine. The message is logged without its secret values
 * (a password or code never reaches the logs), and handed to the web chat's development outbox
 * (bot/web/dev-outbox.ts), which shows it only to the browser whose chat caused it.
 */
export class LogSmsSender implements SmsSender {
  readonly provider = 'log';

  constructor(
    private readonly logger: Logger,
    private readonly record: RecordDevMessage = recordDevMessage,
  ) {}

  async send(phone: string, message: OutboundMessage): Promise<void> {
    const secretFree = message.sms.template === 'notice';
    this.logger.info(
      {
        to: `${phone.slice(0, 4)}****${phone.slice(-2)}`,
        template: message.sms.template,
        params: secretFree ? message.sms.params : '[redacted]',
        key: message.key,
      },
      'sms (development sender, not sent)',
    );
    await this.record({
      to: phone,
      text: `${message.title}\n${message.text}`,
      via: 'sms',
      origin: message.origin,
    });
  }
}

/** Development email without an SMTP server: logged (no secrets) and shown in the web chat's dev panel. */
export class LogEmailSender implements EmailSender {
  constructor(
    private readonly logger: Logger,
    private readonly record: RecordDevMessage = recordDevMessage,
  ) {}

  async send(to: { address: string }, message: OutboundMessage): Promise<void> {
    this.logger.info(
      { to: to.address.replace(/^(.).*@/, '$1***@'), subject: message.title, key: message.key },
      'email (development sender, not sent)',
    );
    await this.record({
      to: to.address,
      text: `${message.title}\n${message.text}`,
      via: 'email',
      origin: message.origin,
    });
  }
}
