import type { TurnContext } from 'botbuilder';
import { t } from '../i18n';
import type { WebTokenPurpose } from '../services/contracts';
import type { DialogDeps } from './flow';
import type { Reply } from './replies';
import { turnInfo } from './turn';

const PAGES: Record<WebTokenPurpose, string> = {
  sign_in: 'sign-in',
  change_password: 'change-password',
  forgot_password: 'forgot-password',
};

/** Web tokens live 10 minutes (BindingService.createWebToken). */
export const WEB_LINK_SECONDS = 600;

/**
 * A one-time link to a secret page (F2a, F11, F12): whatever is secret is typed on that page, never in
 * chat. The token is tied to this chat user, so the chat can confirm when the page is done.
 */
export async function webLink(
  deps: DialogDeps,
  context: TurnContext,
  purpose: WebTokenPurpose,
): Promise<Reply> {
  const { locale, channel, chatUserId } = turnInfo(context);
  const token = await deps.services.bindings.createWebToken(purpose, channel, chatUserId);
  return {
    kind: 'link',
    text: t(locale, `link.${purpose}.text`),
    label: t(locale, `link.${purpose}.label`),
    url: `${deps.config.publicBaseUrl}/auth/${PAGES[purpose]}?token=${encodeURIComponent(token)}`,
    expiresInSeconds: WEB_LINK_SECONDS,
  };
}
