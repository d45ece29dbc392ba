import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import { t } from '../../i18n';
import type { EmailSender, OutboundMessage } from './types';
import { PermanentSendError } from './types';

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * One template, two renderings: the plain-text part and the HTML part carry the same blocks in the
 * same order (headline, body, next steps, footer), so they can never say different things.
 */
export function emailContent(message: OutboundMessage): EmailContent {
  const footer = t(message.locale, 'notify.email.footer');
  const subject = message.title;
  const text = [message.title, '', message.text, '', ...message.hints, '', '--', footer]
    .join('\n')
    .replace(/\n{3,}/g, '\n\n');
  const paragraphs = message.text
    .split('\n')
    .map((line) => `<p style="margin:0 0 8px">${escapeHtml(line)}</p>`)
    .join('');
  const hints = message.hints.length
    ? `<ul>${message.hints.map((h) => `<li>${escapeHtml(h)}</li>`).join('')}</ul>`
    : '';
  const color = message.highlight ? '#c0392b' : '#1f2d3d';
  const html =
    `<!doctype html><html lang="${message.locale}"><body style="font-family:sans-serif;color:#1f2d3d">` +
    `<h2 style="color:${color}">${escapeHtml(message.title)}</h2>${paragraphs}${hints}` +
    `<hr><p style="color:#888;font-size:12px">${escapeHtml(footer)}</p></body></html>`;
  return { subject, text, html };
}

/**
 * Email through SMTP (nodemailer, pooled connections). The Message-ID is derived from the delivery key:
 * if a crash makes us send the same notification again, mail clients that de-duplicate by
 * Message-ID (most do) still show it once.
 */
export class SmtpEmailSender implements EmailSender {
  private readonly transport: Transporter;

  constructor(
    smtpUrl: string,
    private readonly from: string,
    private readonly domain = 'helpdesk.local',
  ) {
    this.transport = nodemailer.createTransport(smtpUrl.includes('?') ? smtpUrl : `${smtpUrl}?pool=true`);
  }

  async send(to: { address: string; name?: string }, message: OutboundMessage): Promise<void> {
    const content = emailContent(message);
    const messageId = `<${createHash('sha256').update(message.key).digest('hex').slice(0, 32)}@${this.domain}>`;
    try {
      await this.transport.sendMail({
        from: this.from,
        to: to.name ? { name: to.name, address: to.address } : to.address,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId,
        headers: { 'Content-Language': message.locale },
      });
    } catch (error) {
      const code = (error as { responseCode?: number }).responseCode;
      // 5xx: the server refused this message for good (bad recipient, policy); 4xx and network errors are retried.
      if (code !== undefined && code >= 500 && code < 600) {
        throw new PermanentSendError(`SMTP refused the message (${code})`);
      }
      throw error;
    }
  }

  async close(): Promise<void> {
    this.transport.close();
  }
}
