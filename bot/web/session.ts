import { randomBytes } from 'node:crypto';
import type { Request, Response } from 'express';

export const WEB_CHAT_COOKIE = 'hd_webchat';
const ID_PATTERN = /^web_[A-Za-z0-9_-]{32}$/;
const ONE_YEAR_SECONDS = 365 * 24 * 3600;

/**
 * Each browser gets its own chat user id, kept in an HttpOnly cookie. The id is 24 random bytes, so it
 * cannot be guessed: holding it is what makes a browser that chat user (like a session id). It is never
 * shown to the page's script nor written to logs.
 */
export function newChatUserId(): string {
  return `web_${randomBytes(24).toString('base64url')}`;
}

export function isChatUserId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

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

/** The chat user of this browser, or undefined when it has no (valid) cookie yet. */
export function chatUserOfRequest(req: Request): string | undefined {
  const value = readCookie(req, WEB_CHAT_COOKIE);
  return isChatUserId(value) ? value : undefined;
}

export function setChatUserCookie(res: Response, chatUserId: string, secure: boolean): void {
  res.cookie(WEB_CHAT_COOKIE, chatUserId, {
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: ONE_YEAR_SECONDS * 1000,
  });
}
