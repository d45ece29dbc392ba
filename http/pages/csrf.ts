import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';

export const CSRF_COOKIE = 'hd_csrf';
const COOKIE_PATTERN = /^[A-Za-z0-9_-]{32,64}$/;

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) return part.slice(index + 1).trim();
  }
  return undefined;
}

/**
 * CSRF protection for the secret pages: a double-submit token bound to the one-time link.
 * The browser holds a random value in an HttpOnly, SameSite=Strict cookie; each form carries
 * HMAC(secret, cookie | one-time token). A forged post from another site has neither the cookie
 * (SameSite) nor a way to compute the field (secret), and a field copied from one link does not
 * fit another. The secret is the server secret (platform/secret.ts).
 */
export class CsrfGuard {
  private readonly secret: Buffer;

  constructor(
    secret: string,
    private readonly secureCookie: () => boolean,
  ) {
    this.secret = Buffer.from(secret, 'utf8');
  }

  /** The form field value for this browser and link; sets the cookie when the browser has none. */
  issue(req: Request, res: Response, oneTimeToken: string): string {
    let cookie = readCookie(req, CSRF_COOKIE);
    if (!cookie || !COOKIE_PATTERN.test(cookie)) {
      cookie = randomBytes(32).toString('base64url');
      res.cookie(CSRF_COOKIE, cookie, {
        httpOnly: true,
        sameSite: 'strict',
        secure: this.secureCookie(),
        path: '/auth',
      });
      // Also visible to this request's later issue() calls (a page issuing two forms).
      req.headers.cookie = `${req.headers.cookie ? `${req.headers.cookie}; ` : ''}${CSRF_COOKIE}=${cookie}`;
    }
    return this.sign(cookie, oneTimeToken);
  }

  verify(req: Request, oneTimeToken: string, field: unknown): boolean {
    const cookie = readCookie(req, CSRF_COOKIE);
    if (!cookie || !COOKIE_PATTERN.test(cookie) || typeof field !== 'string') return false;
    const expected = Buffer.from(this.sign(cookie, oneTimeToken));
    const given = Buffer.from(field);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(cookie: string, oneTimeToken: string): string {
    return createHmac('sha256', this.secret).update(`${cookie}|${oneTimeToken}`).digest('base64url');
  }
}
