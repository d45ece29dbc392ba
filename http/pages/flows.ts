import type { Router } from 'express';
import { isDomainError } from '../../services/errors';
import { changeForm, forgotRequestForm, forgotResendForm, forgotResetForm, signInForm } from './forms';
import { field, PAGE_PATHS, type PageKit } from './kit';

const done = (kit: PageKit, locale: string, titleKey: string, textKey: string) => ({
  locale,
  titleKey,
  intro: [kit.text(locale, textKey), kit.text(locale, 'pages.back_to_chat')],
  tone: 'success' as const,
});

/**
 * F2a sign-in: account + password on the page, never in chat. The password is checked before the link
 * is used up, so a typo does not cost the link; then the link is consumed (single use) and the chat
 * user bound. An account with an initial password goes straight on to choosing its own (with a fresh
 * change-password link in the form), and the chat confirms the sign-in once that is done.
 */
export function mountSignIn(router: Router, kit: PageKit): void {
  router.get(`/${PAGE_PATHS.sign_in}`, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!(await kit.peek(res, token, 'sign_in', locale))) return;
    kit.send(res, 200, {
      locale,
      titleKey: 'pages.sign_in.title',
      intro: [kit.text(locale, 'pages.sign_in.intro')],
      form: signInForm(kit, req, res, token, locale),
      switchUrl: kit.switchUrl(PAGE_PATHS.sign_in, token, locale),
    });
  });

  router.post(`/${PAGE_PATHS.sign_in}`, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!kit.checkCsrf(req, res, token, locale)) return;
    const owner = await kit.peek(res, token, 'sign_in', locale);
    if (!owner) return;
    const login = field(req.body, 'login', 254).trim();
    const password = field(req.body, 'password', 200);
    const again = (error: string) =>
      kit.send(res, 400, {
        locale,
        titleKey: 'pages.sign_in.title',
        error,
        form: signInForm(kit, req, res, token, locale, login),
      });
    if (!login || !password) return again(kit.text(locale, 'pages.error.required'));
    const { accounts, bindings } = kit.ctx.services;
    try {
      await accounts.verifyPassword(login, password);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return again(kit.errorText(locale, error));
    }
    try {
      await bindings.consumeWebToken(token, 'sign_in');
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return kit.linkInvalid(res, 'sign_in', locale, error.code);
    }
    let result: Awaited<ReturnType<typeof bindings.signInWithPassword>>;
    try {
      result = await bindings.signInWithPassword(owner.channel, owner.chatUserId, login, password);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return kit.send(res, 400, {
        locale,
        titleKey: 'pages.sign_in.title',
        error: kit.errorText(locale, error),
        tone: 'problem',
      });
    }
    if (result.account.mustChangePassword) {
      const changeToken = await bindings.createWebToken('change_password', owner.channel, owner.chatUserId);
      return kit.send(res, 200, {
        locale,
        titleKey: 'pages.change.title',
        notice: kit.text(locale, 'pages.sign_in.must_change'),
        form: changeForm(kit, req, res, changeToken, locale, 'first_sign_in'),
      });
    }
    await kit.confirmInChat(owner, { kind: 'signed_in' });
    kit.send(res, 200, done(kit, locale, 'pages.sign_in.done_title', 'pages.sign_in.done'));
  });
}

/** F12 (and the forced first change): current + new password for the account the link was made for. */
export function mountChangePassword(router: Router, kit: PageKit): void {
  router.get(`/${PAGE_PATHS.change_password}`, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!(await kit.peek(res, token, 'change_password', locale))) return;
    kit.send(res, 200, {
      locale,
      titleKey: 'pages.change.title',
      intro: [kit.text(locale, 'pages.change.intro')],
      form: changeForm(kit, req, res, token, locale),
      switchUrl: kit.switchUrl(PAGE_PATHS.change_password, token, locale),
    });
  });

  router.post(`/${PAGE_PATHS.change_password}`, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!kit.checkCsrf(req, res, token, locale)) return;
    const owner = await kit.peek(res, token, 'change_password', locale);
    if (!owner?.accountId) return;
    const flow = field(req.body, 'flow', 20) === 'first_sign_in' ? 'first_sign_in' : undefined;
    const current = field(req.body, 'current');
    const next = field(req.body, 'next');
    const confirm = field(req.body, 'confirm');
    const again = (error: string) =>
      kit.send(res, 400, {
        locale,
        titleKey: 'pages.change.title',
        error,
        form: changeForm(kit, req, res, token, locale, flow),
      });
    if (!current || !next || !confirm) return again(kit.text(locale, 'pages.error.required'));
    if (next !== confirm) return again(kit.text(locale, 'pages.error.mismatch'));
    const { accounts, bindings } = kit.ctx.services;
    const wasInitial = (await accounts.get(owner.accountId)).mustChangePassword;
    try {
      await accounts.changePassword(owner.accountId, current, next);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      // "Account or password" would puzzle someone who typed no account: name the current password.
      const remaining = Number(error.details.remainingAttempts);
      if (error.code === 'wrong_credentials' && remaining > 0) {
        return again(kit.text(locale, 'pages.error.wrong_current_remaining', { remaining }));
      }
      if (error.code === 'wrong_credentials' && error.details.remainingAttempts === undefined) {
        return again(kit.text(locale, 'pages.error.wrong_current'));
      }
      return again(kit.errorText(locale, error));
    }
    // Changed already: a link used meanwhile by a second tab does not undo that.
    await bindings.consumeWebToken(token, 'change_password').catch(() => undefined);
    // After a sign-in with an initial password, the chat has not been told about the sign-in yet.
    await kit.confirmInChat(owner, { kind: flow && wasInitial ? 'signed_in' : 'password_changed' });
    kit.send(res, 200, done(kit, locale, 'pages.change.done_title', 'pages.change.done'));
  });
}

/** F11: account -> a code to its phone/email -> code + new password. The link is used up at the end. */
export function mountForgotPassword(router: Router, kit: PageKit): void {
  const path = `/${PAGE_PATHS.forgot_password}`;
  router.get(path, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!(await kit.peek(res, token, 'forgot_password', locale))) return;
    kit.send(res, 200, {
      locale,
      titleKey: 'pages.forgot.title',
      intro: [kit.text(locale, 'pages.forgot.intro')],
      form: forgotRequestForm(kit, req, res, token, locale),
      switchUrl: kit.switchUrl(PAGE_PATHS.forgot_password, token, locale),
    });
  });

  router.post(path, async (req, res) => {
    const locale = kit.locale(req);
    if (!(await kit.allow(req, res, locale))) return;
    const token = kit.tokenOf(req);
    if (!kit.checkCsrf(req, res, token, locale)) return;
    const owner = await kit.peek(res, token, 'forgot_password', locale);
    if (!owner) return;
    const { accounts, bindings } = kit.ctx.services;
    const origin = { channel: owner.channel, chatUserId: owner.chatUserId };
    const login = field(req.body, 'login', 254).trim();
    const step = field(req.body, 'step', 20);

    const resetPage = (status: number, extra: { error?: string; notice?: string }) =>
      kit.send(res, status, {
        locale,
        titleKey: 'pages.forgot.title',
        ...extra,
        form: forgotResetForm(kit, req, res, token, locale, login),
        secondaryForm: forgotResendForm(kit, req, res, token, locale, login),
      });

    if (step !== 'reset') {
      const again = (error: string) =>
        kit.send(res, 400, {
          locale,
          titleKey: 'pages.forgot.title',
          error,
          form: forgotRequestForm(kit, req, res, token, locale, login),
        });
      if (!login) return again(kit.text(locale, 'pages.error.required'));
      try {
        // The code belongs to the chat whose link this page is: only this page can use or try it.
        await accounts.requestPasswordReset(login, locale, origin);
      } catch (error) {
        if (!isDomainError(error)) throw error;
        // Too soon for another code: the code sent before still works, so the code form stays useful.
        if (error.kind === 'rate_limited') return resetPage(429, { error: kit.errorText(locale, error) });
        return again(kit.errorText(locale, error));
      }
      return resetPage(200, { notice: kit.text(locale, 'pages.forgot.code_sent', { login }) });
    }

    const code = field(req.body, 'code', 20).trim();
    const next = field(req.body, 'next');
    const confirm = field(req.body, 'confirm');
    if (!login || !code || !next || !confirm)
      return resetPage(400, { error: kit.text(locale, 'pages.error.required') });
    if (next !== confirm) return resetPage(400, { error: kit.text(locale, 'pages.error.mismatch') });
    try {
      await accounts.resetPasswordWithCode(login, code, next, origin);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      return resetPage(400, { error: kit.errorText(locale, error) });
    }
    await bindings.consumeWebToken(token, 'forgot_password').catch(() => undefined);
    await kit.confirmInChat(owner, { kind: 'password_reset' });
    kit.send(res, 200, done(kit, locale, 'pages.forgot.done_title', 'pages.forgot.done'));
  });
}
