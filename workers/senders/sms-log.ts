import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../platform/logger';
import type { OutboundMessage, SmsSender } from './types';

type RecordDevMessage = (message: { to: string; text: string }) => void | Promise<void>;

/**
 * Development SMS: nothing leaves the machine. The message is logged without its secret values
 * (a password or code never reaches the logs), and handed to the web chat's development outbox
 * (bot/web/dev-outbox.ts) when the bot provides one, so a developer can read the code there.
 */
export class LogSmsSender implements SmsSender {
  readonly provider = 'log';

  constructor(
    private readonly logger: Logger,
    private readonly record: RecordDevMessage | undefined = loadDevOutbox(),
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
    await this.record?.({ to: phone, text: `${message.title}\n${message.text}` });
  }
}

function loadDevOutbox(): RecordDevMessage | undefined {
  const base = path.join(__dirname, '..', '..', 'bot', 'web', 'dev-outbox');
  if (!['.ts', '.js'].some((ext) => existsSync(base + ext))) return undefined;
  // Optional module written by the bot team: loaded only when present, so the workers build without it.
  const mod = require(base) as { recordDevMessage?: RecordDevMessage };
  return mod.recordDevMessage;
}
