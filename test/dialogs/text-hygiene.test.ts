import { t } from '../../i18n';
import { WebChatClient } from '../support/webchat';
import { type ChatApp, startChatApp } from './chat-app';
import { lastCode, openCustomer } from './harness';

/**
 * Issue 10, item 4, in chat: at every step that takes text (and in a card's values), a message with
 * NUL or a lone surrogate is answered with a polite re-prompt of the same question; the dialog goes on
 * as if it had not been sent. Never "something went wrong", never a dialog dropped.
 */

const BAD = ['a\u0000b', 'x\ud800y', '\udc00'];

for (const locale of ['zh-CN', 'en-US'] as const) {
  describe(`chat input with characters that cannot be stored [${locale}]`, () => {
    let app: ChatApp;
    const m = (key: string, params?: Record<string, string | number>) => t(locale, key, params);
    const firstLine = (key: string) => m(key).split('{')[0]!.split('\n')[0]!;

    beforeAll(async () => {
      app = await startChatApp();
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
    });

    /** Each bad text at the waiting question: a re-prompt naming the problem, then the question again. */
    async function refusedAt(chat: WebChatClient, question: string): Promise<void> {
      for (const bad of BAD) {
        const reply = await chat.say(bad);
        expect(reply.text).toContain(m('error.invalid_characters'));
        expect(reply.text).toContain(question);
        expect(reply.text).not.toContain(m('error.unexpected'));
        expect(reply.text).not.toContain(m('runtime.turn_failed'));
      }
    }

    it('every text step of sign-in, new ticket, supplement, reopen, rating and profile; and a form card', async () => {
      const customer = await openCustomer({ services: app.ctx.services, db: app.db });
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      await refusedAt(chat, m('menu.sign_in_web'));
      await chat.press(m('menu.sign_in_code'));
      await refusedAt(chat, m('signin.ask_login'));
      await chat.say(customer.phone);
      await refusedAt(chat, firstLine('signin.ask_code'));
      const home = await chat.say(await lastCode(app.db, customer.account.phone!));
      expect(home.text).toContain(m('signin.success', { name: '张三' }));

      // New ticket: the form card with a bad title, then each typed step.
      const form = await chat.press(m('menu.new_ticket'));
      expect(form.blocks.some((b) => b.kind === 'form')).toBe(true);
      const badForm = await chat.submitForm('new_ticket', {
        title: 'VPN\u0000',
        description: 'x',
        category: 'technical',
        priority: 'high',
      });
      expect(badForm.text).toContain(m('error.invalid_characters'));
      await refusedAt(chat, firstLine('ticket.ask_title'));
      await chat.say('VPN');
      await refusedAt(chat, m('ticket.ask_description'));
      await chat.say('VPN disconnects');
      await refusedAt(chat, m('ticket.ask_category'));
      await chat.say('3');
      await refusedAt(chat, m('ticket.ask_priority'));
      await chat.say('1');
      await refusedAt(chat, m('ticket.ask_attachments'));
      await chat.press(m('ticket.attachments_skip'));
      await chat.press(m('reply_channel.this_chat_default'));
      const submitted = await chat.press(m('ticket.submit'));
      expect(submitted.text).toMatch(/T\d{8}-\d{4}/);
      const number = /T\d{8}-\d{4}/.exec(submitted.text)![0];

      // Supplement on the ticket.
      await chat.say(number);
      await chat.press(m('details.action.supplement'));
      await refusedAt(chat, m('details.ask_supplement'));
      const added = await chat.say('More detail');
      expect(added.text).toContain(m('details.supplement_added'));

      // Resolved by staff: reopen with a reason, resolved again, then rate with a comment.
      const staff = await app.ctx.db.query<{ id: string }>(
        `insert into staff (name, role) values ('Agent', 'agent') returning id`,
      );
      const agent = { staffId: staff.rows[0]!.id, role: 'agent' as const };
      const ticket = await app.ctx.services.staffTickets.get(number);
      await app.ctx.services.staffTickets.accept(agent, ticket.id);
      await app.ctx.services.staffTickets.resolve(agent, ticket.id, 'Done');
      await chat.say(number);
      await chat.press(m('details.action.reopen'));
      await refusedAt(chat, m('details.ask_reopen_reason'));
      const reopened = await chat.say('Not fixed');
      expect(reopened.text).toContain(m('details.reopened'));
      await app.ctx.services.staffTickets.resolve(agent, ticket.id, 'Done again');
      await chat.say(number);
      await chat.press(m('details.action.rate'));
      await chat.say('4');
      await refusedAt(chat, firstLine('rating.ask_comment'));
      const thanks = await chat.say('Good');
      expect(thanks.text).toContain(m('rating.thanks'));

      // Profile: name, phone.
      await chat.say(m('common.menu'));
      await chat.press(m('menu.profile'));
      await chat.press(m('profile.edit_name'));
      await refusedAt(chat, firstLine('profile.ask_name'));
      const renamed = await chat.say('李四');
      expect(renamed.text).toContain(m('profile.name_changed'));
      await chat.press(m('profile.edit_phone'));
      await refusedAt(chat, m('profile.ask_phone'));
      const sent = await chat.say('13912345678');
      expect(sent.text).toContain(firstLine('profile.code_sent'));
      await refusedAt(chat, firstLine('profile.ask_code'));
    }, 120_000);
  });
}
