import type { TurnContext } from 'botbuilder';
import { t } from '../i18n';
import type { CustomerActor, ListQuery } from '../services/contracts';
import { identityName } from './actor';
import { choice } from './choices';
import type { DialogDeps } from './flow';
import { figureLabel } from './models';
import type { ActionValue, Choice, Reply } from './replies';
import { turnInfo } from './turn';

/** The list a value opens; statuses travel comma-joined because action values are flat. */
export function listValue(query: Omit<ListQuery, 'limit'> & { page?: number }): ActionValue {
  const value: ActionValue = { action: 'list', scope: query.scope };
  if (query.status) value.status = Array.isArray(query.status) ? query.status.join(',') : query.status;
  if (query.resolvedSince) value.resolvedSince = query.resolvedSince;
  if (query.cursor) value.cursor = query.cursor;
  if (query.page && query.page > 1) value.page = query.page;
  return value;
}

/** What a signed-in customer can do from the menu, in menu order. */
export function signedInActions(locale: string): Choice[] {
  return [
    choice(
      t(locale, 'menu.new_ticket'),
      { action: 'new_ticket' },
      { keywords: ['newTicket'], style: 'primary' },
    ),
    choice(t(locale, 'menu.my_tickets'), listValue({ scope: 'mine' }), { keywords: ['myTickets'] }),
    choice(t(locale, 'menu.shared'), listValue({ scope: 'shared' }), {
      synonyms: ['shared', 'shared with me', '分享给我的'],
    }),
    choice(t(locale, 'menu.all'), listValue({ scope: 'all' }), {
      synonyms: ['all', 'all tickets', '全部工单', '全部'],
    }),
    choice(t(locale, 'menu.drafts'), listValue({ scope: 'drafts' }), { keywords: ['drafts'] }),
    choice(
      t(locale, 'menu.switch_identity'),
      { action: 'switch_identity' },
      { keywords: ['switchIdentity'] },
    ),
    choice(t(locale, 'menu.profile'), { action: 'profile' }, { keywords: ['profile'] }),
    choice(
      t(locale, 'menu.change_password'),
      { action: 'change_password' },
      { keywords: ['changePassword'] },
    ),
    choice(t(locale, 'menu.help'), { action: 'help' }, { keywords: ['help'] }),
    choice(t(locale, 'menu.sign_out'), { action: 'sign_out' }, { keywords: ['signOut'] }),
  ];
}

/** What a chat user who is not signed in can do: the sign-in offer (F2). */
export function signedOutActions(locale: string): Choice[] {
  return [
    choice(
      t(locale, 'menu.sign_in_web'),
      { action: 'sign_in', method: 'web' },
      { keywords: ['webSignIn', 'signIn'], style: 'primary' },
    ),
    choice(
      t(locale, 'menu.sign_in_code'),
      { action: 'sign_in', method: 'code' },
      { keywords: ['codeSignIn'] },
    ),
    choice(
      t(locale, 'menu.forgot_password'),
      { action: 'forgot_password' },
      { keywords: ['forgotPassword'] },
    ),
    choice(t(locale, 'menu.help'), { action: 'help' }, { keywords: ['help'] }),
    languageChoice(locale),
  ];
}

export function languageChoice(locale: string): Choice {
  return locale === 'en-US'
    ? choice('中文', { action: 'language', locale: 'zh-CN' }, { keywords: ['chinese'] })
    : choice('English', { action: 'language', locale: 'en-US' }, { keywords: ['english'] });
}

/** Home (F4): the identity's key figures, each opening its list, then the menu. */
export async function homeReply(
  deps: DialogDeps,
  context: TurnContext,
  actor: CustomerActor,
): Promise<Reply> {
  const { locale } = turnInfo(context);
  const [figures, identity] = await Promise.all([
    deps.services.tickets.figures(actor),
    deps.services.identities.get(actor.identityId),
  ]);
  return {
    kind: 'figures',
    title: t(locale, 'home.title', { identity: identityName(identity) }),
    figures: figures.map((f) => {
      const label = figureLabel(locale, f);
      return { label, count: f.count, open: choice(label, listValue(f.drillDown)) };
    }),
    actions: [...signedInActions(locale), languageChoice(locale)],
  };
}
