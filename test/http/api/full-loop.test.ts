import { t } from '../../../i18n';
import { runStaffToken } from '../../../scripts/staff-token';
import { startTestApp, type TestApp } from '../../support/app';
import { drivers } from '../../support/db';
import { WebChatClient } from '../../support/webchat';
import { PageBrowser } from '../pages/browser';

/**
 * The whole service, end to end on the real app: staff open an account through the API, the
 * credentials wait in the outbox, the customer signs in through the web chat's one-time page with
 * them and must change the password, files a ticket by chatting; staff accept and resolve it with
 * a handling reply through the API; the customer sees that reply and rates it; the rating is listed.
 */
for (const driver of drivers) {
  describe(`staff API: the full loop [${driver}]`, () => {
    let app: TestApp;
    const m = (key: string, params?: Record<string, string | number>) => t('zh-CN', key, params);

    beforeAll(async () => {
      app = await startTestApp({ driver });
    });
    afterAll(async () => {
      await app?.stop();
    });

    const api = async (
      token: string,
      method: string,
      path: string,
      body?: unknown,
      headers: Record<string, string> = {},
    ) => {
      const res = await fetch(`${app.url}/api/v1${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return { status: res.status, json: text ? JSON.parse(text) : undefined };
    };

    it('open account -> web chat sign-in -> ticket -> accept/resolve -> rating listed', async () => {
      // The first admin, bootstrapped with the CLI on the empty system.
      let token = '';
      const db = Object.assign(Object.create(app.db), { close: async () => undefined });
      const cli = await runStaffToken(['--create-admin', '管理员'], async () => db, {
        out: (text) => (token += text),
        err: () => undefined,
      });
      expect(cli).toBe(0);
      token = token.trim();

      // Staff open the account (retried once, as a flaky network would): one account, one message.
      const org = (await api(token, 'POST', '/organizations', { name: '华东分公司' })).json;
      const phone = `+86135${String(Date.now() % 1e8).padStart(8, '0')}`;
      const request = {
        phone,
        name: '韩梅梅',
        identities: [{ organizationId: org.id, displayName: '韩梅梅 @ 华东' }],
      };
      const opened = await api(token, 'POST', '/accounts', request, { 'idempotency-key': 'loop-1' });
      const retried = await api(token, 'POST', '/accounts', request, { 'idempotency-key': 'loop-1' });
      expect(retried.json.account.id).toBe(opened.json.account.id);
      const { rows } = await app.db.query<{ payload: { secret: { password: string } } }>(
        `select payload from outbox where topic = 'account.credentials' and payload->>'accountId' = $1`,
        [opened.json.account.id],
      );
      expect(rows).toHaveLength(1);
      const initialPassword = rows[0]!.payload.secret.password;

      // The customer signs in on the one-time page the chat links to, and must choose a new password.
      const chat = new WebChatClient(app.url, { locale: 'zh-CN' });
      await chat.open();
      const offer = await chat.press(m('menu.sign_in_web'));
      const link = new URL(offer.link!);
      const browser = new PageBrowser(app.url);
      const signedIn = await browser.submit(await browser.get(`${link.pathname}${link.search}`), {
        login: phone,
        password: initialPassword,
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.forms()[0]).toMatchObject({ action: '/auth/change-password' });
      const changed = await browser.submit(signedIn, {
        current: initialPassword,
        next: 'Spring-2026-ok',
        confirm: 'Spring-2026-ok',
      });
      expect(changed.status).toBe(200);
      expect((await app.ctx.services.accounts.get(opened.json.account.id)).mustChangePassword).toBe(false);

      // The customer files a ticket by chatting.
      // After the web sign-in the chat knows the customer: typed text works like the menu's buttons.
      await chat.say(m('menu.new_ticket'));
      await chat.submitForm('new_ticket', {
        title: '打印机卡纸',
        description: '三楼打印机一直卡纸',
        category: 'technical',
        priority: 'high',
      });
      await chat.press(m('ticket.attachments_skip'));
      await chat.press(m('reply_channel.this_chat_default'));
      const submitted = await chat.press(m('ticket.submit'));
      const number = /T\d{8}-\d{4}/.exec(submitted.text)?.[0];
      expect(number).toBeDefined();

      // Staff take it from the queue and resolve it with a handling reply.
      const queue = (await api(token, 'GET', '/queue')).json;
      const entry = queue.items.find((i: { number: string }) => i.number === number);
      expect(entry).toMatchObject({ position: 1, status: 'waiting', title: '打印机卡纸' });
      await api(token, 'POST', `/tickets/${entry.id}/accept`);
      const resolved = await api(token, 'POST', `/tickets/${number}/resolve`, {
        resolution: '已更换搓纸轮，请再试',
      });
      expect(resolved.json).toMatchObject({ status: 'resolved', acceptedBy: { name: '管理员' } });

      // The customer sees the handling reply and rates the ticket.
      const card = await chat.say(number!);
      expect(card.text).toContain('已更换搓纸轮，请再试');
      await chat.press(m('details.action.rate'));
      await chat.press(m('rating.stars.2'));
      const thanks = await chat.say('太慢了');
      expect(thanks.text).toContain(m('rating.thanks_low'));

      // The rating is listed for staff, low ratings first.
      const ratings = (await api(token, 'GET', '/ratings')).json;
      expect(ratings.items[0]).toMatchObject({ number, stars: 2, comment: '太慢了', acceptedBy: '管理员' });
      const details = (await api(token, 'GET', `/tickets/${number}`)).json;
      expect(details.status).toBe('closed');
      expect(details.rating).toMatchObject({ stars: 2, comment: '太慢了' });
      expect(
        details.timeline
          .filter((e: { actorType: string }) => e.actorType === 'staff')
          .map((e: { kind: string; actorName: string }) => [e.kind, e.actorName]),
      ).toEqual([
        ['accepted', '管理员'],
        ['resolved', '管理员'],
      ]);
    });
  });
}
