import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const WEB_CHAT_COOKIE = 'hd_webchat';
const COOKIE_PATTERN = /^(web_[A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{22})$/;
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

export function readCookie(req: Request, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const index = part.indexOf('=');
    if (index < 0) continue;
    if (part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Each browser gets its own chat user id, issued by the server and kept in an HttpOnly cookie as
 * `<id>.<signature>`. The id is 24 random bytes and the signature an HMAC under a key derived from the
 * server secret, so holding the cookie is what makes a browser that chat user (like a session id): a
 * made-up or altered value is refused and the browser gets a fresh id instead. Neither is ever shown
 * to the page's script nor written to logs.
 */
export class WebChatSessions {
  constructor(
    private readonly key: Buffer,
    private readonly secure: () => boolean,
  ) {}

  private sign(chatUserId: string): string {
    return createHmac('sha256', this.key).update(chatUserId).digest('base64url').slice(0, 22);
  }

  /** The chat user of this browser, or undefined when it has no cookie we issued. */
  chatUserOf(req: Request): string | undefined {
    const match = COOKIE_PATTERN.exec(readCookie(req, WEB_CHAT_COOKIE) ?? '');
    if (!match) return undefined;
    const [, chatUserId, signature] = match as unknown as [string, string, string];
    const expected = Buffer.from(this.sign(chatUserId));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? chatUserId : undefined;
  }

  /** A new chat user id and the cookie value that proves it. */
  mint(): { chatUserId: string; cookieValue: string } {
    const chatUserId = `web_${randomBytes(24).toString('base64url')}`;
    return { chatUserId, cookieValue: `${chatUserId}.${this.sign(chatUserId)}` };
  }

  /** A new chat user for this browser, its cookie set on the response. */
  issue(res: Response): string {
    const { chatUserId, cookieValue } = this.mint();
    res.cookie(WEB_CHAT_COOKIE, cookieValue, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure(),
      path: '/',
      maxAge: ONE_YEAR_SECONDS * 1000,
    });
    return chatUserId;
  }
}
