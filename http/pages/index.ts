import express, { Router } from 'express';
import helmet from 'helmet';
import type { AppContext } from '../../app/context';
import type { BotRuntime } from '../../bot/runtime';
import { createMemoryRateLimiter, requestLimit } from '../../platform/rate-limit';
import { appSecret } from '../../platform/secret';
import type { HttpModule } from '../server';
import { CsrfGuard } from './csrf';
import { mountChangePassword, mountForgotPassword, mountSignIn } from './flows';
import { PAGES_CSS } from './html';
import { PageKit } from './kit';

export interface PagesOptions {
  /** Per client IP and window: page views and form posts (all three pages together). */
  limits?: { getsPerMinute?: number; postsPer10Minutes?: number };
}

/**
 * The secret web pages (F2a sign-in, F11 forgot password, F12 change password) at /auth, reached
 * through one-time links from chat. Plain server-rendered HTML without script; strict security headers,
 * no caching, no referrer (the link's token must not leak), CSRF-checked forms, per-IP rate limits.
 */
export function createPages(
  ctx: AppContext,
  bot: Pick<BotRuntime, 'resume' | 'rateLimiter'>,
  options: PagesOptions = {},
): HttpModule {
  // Shared by every process when the bot offers its Redis limiter; per process otherwise.
  const perProcess = createMemoryRateLimiter();
  const limiter = (name: string, max: number, windowSeconds: number) =>
    bot.rateLimiter?.(name, max, windowSeconds) ?? requestLimit(perProcess, name, max, windowSeconds);
  const kit = new PageKit(
    ctx,
    bot,
    new CsrfGuard(appSecret(ctx.config), () => ctx.config.publicBaseUrl.startsWith('https:')),
    {
      get: limiter('pages:get', options.limits?.getsPerMinute ?? ctx.config.PAGES_VIEWS_PER_MINUTE, 60),
      post: limiter(
        'pages:post',
        options.limits?.postsPer10Minutes ?? ctx.config.PAGES_POSTS_PER_10_MINUTES,
        600,
      ),
    },
  );

  const router = Router();
  router.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'none'"],
          styleSrc: ["'self'"],
          imgSrc: ["'self'"],
          formAction: ["'self'"],
          frameAncestors: ["'none'"],
          baseUri: ["'none'"],
        },
      },
      referrerPolicy: { policy: 'no-referrer' },
      strictTransportSecurity: ctx.config.publicBaseUrl.startsWith('https:'),
    }),
  );
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/pages.css', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=3600').type('css').send(PAGES_CSS);
  });
  router.use(express.urlencoded({ extended: false, limit: '8kb', parameterLimit: 20 }));
  mountSignIn(router, kit);
  mountChangePassword(router, kit);
  mountForgotPassword(router, kit);
  return { path: '/auth', router };
}
