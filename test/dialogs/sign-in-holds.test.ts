import { t } from '../../i18n';
import { WebChatClient } from '../support/webchat';
import { type ChatApp, startChatApp } from './chat-app';
import { lastCode, openCustomer } from './harness';

/**
 * Issue 10, item 7, in chat: a lockout holds for code sign-in too, and a stranger typing codes for
 * somebody's phone in another chat never burns that person's code.
 */
for (const locale of ['zh-CN', 'en-US'] as const) {
  describe(`sign-in holds on every path [${locale}]`, () => {
    let app: ChatApp;
    const m = (key: string, params?: Record<string, string | number>) => t(locale, key, params);

    beforeAll(async () => {
      app = await startChatApp();
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
    });

    async function askCode(chat: WebChatClient, phone: string) {
      await chat.open();
      await chat.press(m('menu.sign_in_code'));
      return chat.say(phone);
    }

    it('locked by wrong passwords (on the sign-in page), the right code does not sign in either', async () => {
      const customer = await openCustomer({ services: app.ctx.services, db: app.db });
      for (let i = 0; i < 5; i++) {
        await app.ctx.services.accounts.verifyPassword(customer.phone, 'wrong-pass-1').catch(() => undefined);
      }
      const chat = new WebChatClient(app.url, { locale });
      await askCode(chat, customer.phone);
      const refused = await chat.say(await lastCode(app.db, customer.account.phone!));
      expect(refused.text).toContain(m('error.account_locked', { minutes: 15 }));
      expect(refused.text).not.toContain(m('signin.success', { name: '张三' }));
      expect((await app.ctx.services.bindings.get('web', chat.chatUserId))?.accountId ?? null).toBeNull();
    });

    it("a stranger's wrong codes in another chat leave the owner's code valid", async () => {
      const customer = await openCustomer({ services: app.ctx.services, db: app.db });
      const owner = new WebChatClient(app.url, { locale });
      await askCode(owner, customer.phone);
      const code = await lastCode(app.db, customer.account.phone!);
      const stranger = new WebChatClient(app.url, { locale });
      // Another code for the same phone is refused for a minute; the stranger's guesses match nothing.
      const tooSoon = await askCode(stranger, customer.phone);
      expect(tooSoon.text).toContain(m('error.code_rate_limited', { minutes: 1 }));
      for (let i = 0; i < 6; i++) {
        const guess = await stranger.say(String(100000 + i));
        expect(guess.text).not.toContain(m('signin.success', { name: '张三' }));
      }
      const ok = await owner.say(code);
      expect(ok.text).toContain(m('signin.success', { name: '张三' }));
      expect((await app.ctx.services.bindings.get('web', stranger.chatUserId))?.accountId ?? null).toBeNull();
    });
  });
}
