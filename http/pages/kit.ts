import type { Request, Response } from 'express';
import type { AppContext } from '../../app/context';
import type { BotRuntime, ResumeEvent } from '../../bot/runtime';
import { errorMessage } from '../../dialogs/errors';
import { hasMessage, resolveLocale, t } from '../../i18n';
import type { RequestLimit } from '../../platform/rate-limit';
import type { ChatChannel, WebTokenPurpose } from '../../services/contracts';
import { isDomainError } from '../../services/errors';
import type { CsrfGuard } from './csrf';
import { type PageView, renderPage } from './html';
import './messages';

export const PAGE_PATHS: Record<WebTokenPurpose, string> = {
  sign_in: 'sign-in',
  change_password: 'change-password',
  forgot_password: 'forgot-password',
};

const INVALID_CODES = ['web_token_expired', 'web_token_used', 'web_token_revoked', 'web_token_unknown'];

export interface TokenOwner {
  channel: ChatChannel;
  chatUserId: string;
  accountId: string | null;
}

/** What every page handler shares: locale, CSRF, rate limits, the token checks and the chat confirmation. */
export class PageKit {
  constructor(
    readonly ctx: AppContext,
    readonly bot: Pick<BotRuntime, 'resume'>,
    readonly csrf: CsrfGuard,
    private readonly limits: { get: RequestLimit; post: RequestLimit },
  ) {}

  /** ?lang= or the form's lang field, else the browser's Accept-Language; zh-CN by default. */
  locale(req: Request): string {
    const explicit = (req.body as { lang?: unknown } | undefined)?.lang ?? req.query.lang;
    if (typeof explicit === 'string' && explicit) return resolveLocale(explicit);
    const best = req.acceptsLanguages('zh-CN', 'zh', 'en-US', 'en');
    return resolveLocale(typeof best === 'string' ? best : undefined);
  }

  text(locale: string, key: string, params?: Record<string, string | number>): string {
    return t(locale, key, params);
  }

  send(res: Response, status: number, view: PageView): void {
    res.status(status).type('html').send(renderPage(view));
  }

  /** Per client IP; false after answering 429. */
  async allow(req: Request, res: Response, locale: string): Promise<boolean> {
    const limiter = req.method === 'POST' ? this.limits.post : this.limits.get;
    const result = await limiter.hit(req.ip ?? 'unknown');
    if (result.allowed) return true;
    res.set('Retry-After', String(result.resetSeconds));
    this.send(res, 429, {
      locale,
      titleKey: 'pages.rate_limited.title',
      intro: [
        t(locale, 'pages.rate_limited.text', {
          minutes: Math.max(1, Math.ceil(result.resetSeconds / 60)),
        }),
      ],
      tone: 'problem',
    });
    return false;
  }

  /** The one-time token of this request: ?token= on GET, the hidden field on POST (never echoed into URLs we make). */
  tokenOf(req: Request): string {
    const value =
      req.method === 'POST' ? (req.body as { token?: unknown } | undefined)?.token : req.query.token;
    return typeof value === 'string' ? value.slice(0, 200) : '';
  }

  /** Checks the link without using it up; on a bad link answers the "get a new link" page and returns undefined. */
  async peek(
    res: Response,
    token: string,
    purpose: WebTokenPurpose,
    locale: string,
  ): Promise<TokenOwner | undefined> {
    let owner: TokenOwner;
    try {
      owner = await this.ctx.services.bindings.peekWebToken(token, purpose);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.linkInvalid(res, purpose, locale, error.code);
      return undefined;
    }
    // A change-password link is made for a signed-in account only.
    if (purpose === 'change_password' && !owner.accountId) {
      this.linkInvalid(res, purpose, locale, 'web_token_unknown');
      return undefined;
    }
    return owner;
  }

  linkInvalid(res: Response, purpose: WebTokenPurpose, locale: string, code: string): void {
    const reason = INVALID_CODES.includes(code) ? code : 'web_token_unknown';
    this.send(res, 410, {
      locale,
      titleKey: 'pages.link_invalid.title',
      intro: [t(locale, `pages.link_invalid.${reason}`), t(locale, `pages.link_invalid.how_${purpose}`)],
      tone: 'problem',
    });
  }

  /** False after answering 403: the form did not come from our page for this link in this browser. */
  checkCsrf(req: Request, res: Response, token: string, locale: string): boolean {
    if (this.csrf.verify(req, token, (req.body as { csrf?: unknown } | undefined)?.csrf)) return true;
    this.send(res, 403, {
      locale,
      titleKey: 'pages.csrf.title',
      intro: [t(locale, 'pages.csrf.text')],
      tone: 'problem',
    });
    return false;
  }

  /** A domain error in words for the page (page-specific wording first, then the chat's). */
  errorText(locale: string, error: unknown): string {
    if (isDomainError(error) && hasMessage(`pages.error.${error.code}`))
      return t(locale, `pages.error.${error.code}`);
    return errorMessage(locale, error);
  }

  /** Tells the chat; a failure to reach it never spoils the page (the user can still type in chat). */
  async confirmInChat(owner: TokenOwner, event: ResumeEvent): Promise<void> {
    try {
      await this.bot.resume(owner.channel, owner.chatUserId, event);
    } catch (error) {
      this.ctx.logger.warn(
        { err: error, channel: owner.channel, event: event.kind },
        'could not confirm in chat',
      );
    }
  }

  /** The page's own URL in the other language, for the switch link (GET pages only). */
  switchUrl(path: string, token: string, locale: string): string {
    const other = locale === 'en-US' ? 'zh-CN' : 'en-US';
    return `/auth/${path}?token=${encodeURIComponent(token)}&lang=${other}`;
  }
}

export function field(body: unknown, name: string, max = 200): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}
