import type { Request, Response } from 'express';
import { PASSWORD_MAX, PASSWORD_MIN } from '../../services/passwords';
import type { Field, FormView } from './html';
import type { PageKit } from './kit';

/** Hidden fields every form carries: the one-time token (in the body, not the URL), CSRF, language. */
function hidden(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  extra: Record<string, string> = {},
) {
  return { token, csrf: kit.csrf.issue(req, res, token), lang: locale, ...extra };
}

const login = (value?: string): Field => ({
  name: 'login',
  labelKey: 'pages.field.login',
  type: 'text',
  autocomplete: 'username',
  maxLength: 254,
  value,
});

const newPassword = (locale: string, kit: PageKit): Field[] => [
  {
    name: 'next',
    labelKey: 'pages.field.new_password',
    type: 'password',
    autocomplete: 'new-password',
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
    hint: kit.text(locale, 'pages.password_hint'),
  },
  {
    name: 'confirm',
    labelKey: 'pages.field.confirm_password',
    type: 'password',
    autocomplete: 'new-password',
    minLength: PASSWORD_MIN,
    maxLength: PASSWORD_MAX,
  },
];

export function signInForm(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  loginValue?: string,
): FormView {
  return {
    action: '/auth/sign-in',
    hidden: hidden(kit, req, res, token, locale),
    fields: [
      login(loginValue),
      {
        name: 'password',
        labelKey: 'pages.field.password',
        type: 'password',
        autocomplete: 'current-password',
        maxLength: PASSWORD_MAX,
      },
    ],
    submitKey: 'pages.sign_in.submit',
  };
}

/** `flow: 'first_sign_in'` when the change follows a sign-in with an initial password. */
export function changeForm(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  flow?: string,
): FormView {
  return {
    action: '/auth/change-password',
    hidden: hidden(kit, req, res, token, locale, flow ? { flow } : {}),
    fields: [
      {
        name: 'current',
        labelKey: 'pages.field.current_password',
        type: 'password',
        autocomplete: 'current-password',
        maxLength: PASSWORD_MAX,
      },
      ...newPassword(locale, kit),
    ],
    submitKey: 'pages.change.submit',
  };
}

export function forgotRequestForm(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  loginValue?: string,
): FormView {
  return {
    action: '/auth/forgot-password',
    hidden: hidden(kit, req, res, token, locale, { step: 'request' }),
    fields: [login(loginValue)],
    submitKey: 'pages.forgot.send_code',
  };
}

export function forgotResetForm(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  loginValue: string,
): FormView {
  return {
    action: '/auth/forgot-password',
    hidden: hidden(kit, req, res, token, locale, { step: 'reset', login: loginValue }),
    fields: [
      {
        name: 'code',
        labelKey: 'pages.field.code',
        type: 'text',
        autocomplete: 'one-time-code',
        inputmode: 'numeric',
        pattern: '[0-9]{6}',
        maxLength: 6,
        minLength: 6,
      },
      ...newPassword(locale, kit),
    ],
    submitKey: 'pages.forgot.submit',
  };
}

/** "Send the code again": the request step with the login filled in. */
export function forgotResendForm(
  kit: PageKit,
  req: Request,
  res: Response,
  token: string,
  locale: string,
  loginValue: string,
): FormView {
  return {
    action: '/auth/forgot-password',
    hidden: hidden(kit, req, res, token, locale, { step: 'request', login: loginValue }),
    fields: [],
    submitKey: 'pages.forgot.resend',
  };
}
