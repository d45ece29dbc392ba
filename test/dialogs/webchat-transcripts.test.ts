import { t } from '../../i18n';
import type { StaffActor } from '../../services/contracts';
import { type Turn, WebChatClient } from '../support/webchat';
import { type ChatApp, startChatApp } from './chat-app';
import { ADMIN, lastCode, openCustomer } from './harness';

/**
 * Transcripts over the web chat's HTTP endpoints (POST /api/webchat/session, /api/webchat/messages,
 * /api/webchat/upload), every flow F2-F14 in both languages, failures included. Expectations are
 * taken from the catalogs, so both languages run the same script.
 */
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082',
  'hex',
);

for (const locale of ['zh-CN', 'en-US'] as const) {
  describe(`web chat transcripts [${locale}]`, () => {
    let app: ChatApp;
    let offset = 0;
    const now = () => new Date(Date.now() + offset);
    const m = (key: string, params?: Record<string, string | number>) => t(locale, key, params);
    const firstLine = (key: string) => m(key).split('{')[0]!;

    beforeAll(async () => {
      app = await startChatApp({ now });
    }, 60_000);
    afterAll(async () => {
      await app?.stop();
    });

    const services = () => app.ctx.services;

    async function signedInChat(identities?: string[]) {
      const customer = await openCustomer({ services: services(), db: app.db }, { identities });
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      await chat.press(m('menu.sign_in_code'));
      await chat.say(customer.phone);
      const turn = await chat.say(await lastCode(app.db, customer.account.phone!));
      return { chat, customer, turn };
    }

    it('F2/F14: welcome with the sign-in offer; unknown input answered; an unbound user asking for tickets is offered sign-in', async () => {
      const chat = new WebChatClient(app.url, { locale });
      const welcome = await chat.open();
      expect(welcome.text).toContain(m('main.welcome'));
      expect(welcome.text).toContain(`1. ${m('menu.sign_in_web')}`);
      const unknown = await chat.say('xyzzy');
      expect(unknown.text).toContain(m('main.unknown_typed', { text: 'xyzzy' }));
      const tickets = await chat.say(m('menu.my_tickets'));
      expect(tickets.text).toContain(m('signin.required'));
      expect(tickets.text).toContain(m('menu.sign_in_web'));
    });

    it('F2a: the one-time sign-in link; an expired link is refused and a new one is offered', async () => {
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      const first = await chat.press(m('menu.sign_in_web'));
      expect(first.link).toMatch(/\/auth\/sign-in\?token=[\w-]{20,}$/);
      expect(first.text).toContain(m('link.expires', { minutes: 10 }));
      const token = new URL(first.link!).searchParams.get('token')!;
      offset += 11 * 60_000;
      try {
        const expired = await services()
          .bindings.consumeWebToken(token, 'sign_in')
          .then(() => undefined)
          .catch((e: unknown) => e);
        const { errorMessage } = await import('../../dialogs/errors');
        expect(errorMessage(locale, expired)).toBe(m('error.web_token_expired'));
        const again = await chat.press(m('menu.sign_in_web'));
        expect(again.link).toBeDefined();
        expect(again.link).not.toBe(first.link);
      } finally {
        offset -= 11 * 60_000;
      }
    });

    it('F2b: code sign-in; a wrong code says how many attempts remain; success shows home figures', async () => {
      const customer = await openCustomer({ services: services(), db: app.db });
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      await chat.press(m('menu.sign_in_code'));
      const sent = await chat.say(customer.phone);
      expect(sent.text).toContain(firstLine('signin.code_sent'));
      const code = await lastCode(app.db, customer.account.phone!);
      const wrong = await chat.say(code === '123456' ? '654321' : '123456');
      expect(wrong.text).toContain(m('error.wrong_code.remaining', { remaining: 4 }));
      const ok = await chat.say(code);
      expect(ok.text).toContain(m('signin.success', { name: '张三' }));
      expect(ok.link).toBeUndefined();
      expect(ok.blocks.some((b) => b.kind === 'figures')).toBe(true);
      expect(ok.text).toContain(m('figure.waiting'));
    });

    it('F1/F2b: an initial password must be changed before anything else, also after a code sign-in', async () => {
      const customer = await openCustomer(
        { services: services(), db: app.db },
        { keepInitialPassword: true },
      );
      const chat = new WebChatClient(app.url, { locale });
      await chat.open();
      await chat.press(m('menu.sign_in_code'));
      await chat.say(customer.phone);
      const ok = await chat.say(await lastCode(app.db, customer.account.phone!));
      expect(ok.text).toContain(m('signin.success', { name: '张三' }));
      expect(ok.text).toContain(m('signin.must_change_password'));
      expect(ok.link).toMatch(/\/auth\/change-password\?token=/);
      expect(ok.blocks.some((b) => b.kind === 'figures')).toBe(false);
      for (const command of [
        m('menu.new_ticket'),
        m('menu.my_tickets'),
        m('menu.profile'),
        m('menu.switch_identity'),
      ]) {
        const refused = await chat.say(command);
        expect(refused.text).toContain(m('signin.must_change_password'));
        expect(refused.link).toMatch(/\/auth\/change-password\?token=/);
      }
    });

    it('F5: new ticket with empty title, invalid priority, an image, summary, submit -> number and queue position', async () => {
      const { chat } = await signedInChat();
      const form = await chat.press(m('menu.new_ticket'));
      expect(form.blocks.some((b) => b.kind === 'form')).toBe(true);
      const empty = await chat.submitForm('new_ticket', {
        title: ' ',
        description: '',
        category: 'technical',
        priority: 'high',
      });
      expect(empty.text).toContain(m('ticket.title_required'));
      await chat.say('VPN');
      const desc = await chat.say('VPN disconnects every 5 minutes');
      // Category and priority came with the form: next is the attachments step.
      expect(desc.text).toContain(m('ticket.ask_attachments'));
      const upload = await chat.upload(PNG, 'screen.png', 'image/png');
      const attached = await chat.say('', [upload]);
      expect(attached.text).toContain(m('ticket.attachments_added', { names: 'screen.png', count: 1 }));
      await chat.press(m('ticket.attachments_done'));
      const summary = await chat.press(m('reply_channel.this_chat_default'));
      expect(summary.text).toContain(m('ticket.confirm_intro'));
      await chat.press(m('ticket.edit_priority'));
      const badPriority = await chat.say('super mega urgent');
      expect(badPriority.text).toContain(m('ticket.priority_invalid'));
      const back = await chat.say('1');
      expect(back.text).toContain(m('priority.urgent'));
      const submitted = await chat.press(m('ticket.submit'));
      expect(submitted.text).toMatch(/T\d{8}-\d{4}/);
      expect(submitted.text).toContain(firstLine('ticket.submitted').trim().slice(0, 4));
    });

    it('F5/F14: cancel mid-dialog; save as draft; the draft is resumed, submitted', async () => {
      const { chat } = await signedInChat();
      await chat.press(m('menu.new_ticket'));
      await chat.say('Printer');
      const cancelled = await chat.say(locale === 'zh-CN' ? '取消' : 'cancel');
      expect(cancelled.text).toContain(m('common.cancelled'));
      expect(cancelled.text).toContain(m('main.anything_else'));
      await chat.press(m('menu.new_ticket'));
      await chat.say('Invoice wrong');
      const saved = await chat.press(m('ticket.save_draft'));
      expect(saved.text).toContain(m('ticket.draft_saved', { title: 'Invoice wrong' }));
      const drafts = await chat.press(m('menu.drafts'));
      expect(drafts.text).toContain('Invoice wrong');
      await chat.press('Invoice wrong');
      const editing = await chat.press(m('details.action.edit'));
      expect(editing.text).toContain(m('ticket.ask_description'));
      await chat.say('The company name is misspelled');
      await chat.press(m('category.billing'));
      await chat.press(m('priority.normal'));
      await chat.press(m('reply_channel.this_chat_default'));
      const submitted = await chat.press(m('ticket.submit'));
      expect(submitted.text).toMatch(/T\d{8}-\d{4}/);
    });

    it('F4/F6/F7/F8: figures drill down, list pages of 5 with next/previous and status filter, details, queue position, supplement, cancel', async () => {
      const { chat, customer } = await signedInChat();
      const actor = { accountId: customer.account.id, identityId: customer.identities[0]!.id };
      const numbers: string[] = [];
      for (let i = 1; i <= 6; i++) {
        const d = await services().tickets.createDraft(actor, {
          title: `Issue ${i}`,
          description: 'd',
          category: 'other',
          priority: 'normal',
          replyChannel: { kind: 'sms' },
        });
        numbers.push((await services().tickets.submit(actor, d.id)).ticket.number!);
      }
      const home = await chat.say(locale === 'zh-CN' ? '首页' : 'home');
      const figures = home.blocks.find((b) => b.kind === 'figures');
      expect(
        figures?.kind === 'figures' && figures.figures.find((f) => f.label === m('figure.waiting'))?.count,
      ).toBe(6);
      const waiting = await chat.press(m('figure.waiting'));
      expect(waiting.text).toContain(m('list.page_label', { page: 1, from: 1, to: 5 }));
      expect(waiting.text).toContain('Issue 6');
      const next = await chat.say(locale === 'zh-CN' ? '下一页' : 'next');
      expect(next.text).toContain(m('list.page_label', { page: 2, from: 6, to: 6 }));
      expect(next.text).toContain('Issue 1');
      const prev = await chat.press(m('list.previous'));
      expect(prev.text).toContain('Issue 6');
      await chat.press(m('list.filter'));
      const closed = await chat.press(m('status.closed'));
      expect(closed.text).toContain(m('list.empty'));
      await chat.press(m('list.filter'));
      await chat.press(m('list.any_status'));
      const details = await chat.say('2');
      expect(details.text).toContain(`【${numbers[4]}】Issue 5`);
      const queue = await chat.press(m('details.action.queue'));
      expect(queue.text).toMatch(/\d/);
      expect(queue.text).toContain(m('details.queue_position', { waiting: 6, position: 5 }));
      await chat.press(m('details.action.supplement'));
      const supplemented = await chat.say('Also affects the second floor');
      expect(supplemented.text).toContain(m('details.supplement_added'));
      await chat.press(m('details.action.cancel'));
      const confirmed = await chat.press(m('details.yes_cancel'));
      expect(confirmed.text).toContain(m('details.cancelled'));
      expect(confirmed.text).toContain(m('status.cancelled'));
      const typed = await chat.say(m('common.menu'));
      const open = await chat.say(numbers[0]!);
      expect(typed.text).toContain(m('figure.waiting'));
      expect(open.text).toContain(`【${numbers[0]}】Issue 1`);
    });

    it('F7/F10: handling reply shown; rating with stars and comment; a second rating is refused; reopen "not solved"', async () => {
      const { chat, customer } = await signedInChat();
      const actor = { accountId: customer.account.id, identityId: customer.identities[0]!.id };
      const staff = await services().staff.create(ADMIN, {
        name: 'Li',
        email: null,
        phone: null,
        role: 'agent',
        wecomUserId: null,
        teamsUserId: null,
        alertNewTicket: true,
        alertRating: true,
      });
      const agent: StaffActor = { staffId: staff.id, role: 'agent' };
      const resolved = async (title: string) => {
        const d = await services().tickets.createDraft(actor, {
          title,
          description: 'd',
          category: 'other',
          priority: 'low',
          replyChannel: { kind: 'sms' },
        });
        const { ticket } = await services().tickets.submit(actor, d.id);
        await services().staffTickets.accept(agent, ticket.id);
        await services().staffTickets.resolve(agent, ticket.id, 'Router restarted');
        return ticket.number!;
      };
      const number = await resolved('Slow network');
      const card = await chat.say(number);
      expect(card.text).toContain(`${m('card.resolution')}`);
      expect(card.text).toContain('Router restarted');
      expect(card.text).toContain(m('card.accepted'));
      const ask = await chat.press(m('details.action.rate'));
      expect(ask.text).toContain(m('rating.ask_stars'));
      const bad = await chat.say('7');
      expect(bad.text).toContain(m('rating.stars_invalid'));
      await chat.press(m('rating.stars.5'));
      const thanks = await chat.say('Quick and friendly');
      expect(thanks.text).toContain(m('rating.thanks'));
      // The old rate button pressed again: a clear answer, not a second rating.
      await chat.say(number);
      const twice = await chat.submitForm('rating', {}).catch(() => undefined);
      expect(twice).toBeUndefined();
      const again = await services()
        .tickets.rate(actor, (await services().tickets.get(actor, number)).id, 3)
        .catch((e: unknown) => e);
      const { errorMessage } = await import('../../dialogs/errors');
      expect(errorMessage(locale, again)).toBe(m('error.already_rated'));

      const other = await resolved('Still broken');
      await chat.say(other);
      const rateForm = await chat.press(m('details.action.rate'));
      expect(rateForm.blocks.some((b) => b.kind === 'form')).toBe(true);
      const rated = await chat.submitForm('rating', { stars: 2, comment: 'Took long' });
      expect(rated.text).toContain(m('rating.thanks_low'));
      const third = await resolved('Not solved');
      await chat.say(third);
      await chat.press(m('details.action.reopen'));
      const reopened = await chat.say('Still slow');
      expect(reopened.text).toContain(m('details.reopened'));
      expect(reopened.text).toContain(m('status.in_progress'));
    });

    it('F3: identity picker after sign-in, switch with the current one marked, identity unbound mid-conversation', async () => {
      const { chat, customer, turn } = await signedInChat(['Alpha', 'Beta', 'Gamma']);
      expect(turn.text).toContain(m('identity.pick'));
      expect(turn.text).toContain(m('identity.how_to_remove'));
      await chat.press('Beta');
      const switched = await chat.press(m('menu.switch_identity'));
      expect(switched.text).toMatch(new RegExp(`Beta ${m('identity.current_mark')}`));
      await chat.press(m('common.back'));
      await chat.press(m('menu.my_tickets'));
      await services().identities.unbind(ADMIN, customer.identities[1]!.id);
      const after = await chat.press(m('list.other_lists'));
      expect(after.text).toContain(m('identity.unbound'));
      expect(after.text).toContain('Alpha');
      expect(after.text).not.toContain('Beta');
      const picked = await chat.press('Gamma');
      expect(picked.text).toContain('Gamma');
    });

    it('F11/F12/F13: password links; profile name, avatar image and phone change confirmed by code', async () => {
      const fresh = new WebChatClient(app.url, { locale });
      await fresh.open();
      const forgot = await fresh.press(m('menu.forgot_password'));
      expect(forgot.link).toMatch(/\/auth\/forgot-password\?token=/);
      const { chat } = await signedInChat();
      const change = await chat.press(m('menu.change_password'));
      expect(change.link).toMatch(/\/auth\/change-password\?token=/);
      await chat.say(locale === 'zh-CN' ? '菜单' : 'menu');
      const profile = await chat.press(m('menu.profile'));
      expect(profile.text).toContain(m('profile.title'));
      await chat.press(m('profile.edit_name'));
      const renamed = await chat.say('Zhang Xiaosan');
      expect(renamed.text).toContain(m('profile.name_changed'));
      expect(renamed.text).toContain('Zhang Xiaosan');
      await chat.press(m('profile.edit_avatar'));
      const upload = await chat.upload(PNG, 'me.png', 'image/png');
      const avatar = await chat.say('', [upload]);
      expect(avatar.text).toContain(m('profile.avatar_changed'));
      await chat.press(m('profile.edit_phone'));
      const invalid = await chat.say('not-a-phone');
      expect(invalid.text).toContain(m('profile.phone_invalid'));
      const phone = `1350${String(Date.now()).slice(-7)}`;
      await chat.say(phone);
      const wrong = await chat.say('000000');
      expect(wrong.text).toMatch(new RegExp(firstLine('error.wrong_code.remaining').slice(0, 6)));
      const done = await chat.say(await lastCode(app.db, `+86${phone}`));
      expect(done.text).toContain(m('profile.contact_changed'));
      expect(done.text).toContain(phone);
    });

    it('F14: help, language switch inside a dialog re-asks in the other language and is remembered', async () => {
      const { chat } = await signedInChat();
      await chat.press(m('menu.new_ticket'));
      const help = await chat.say(locale === 'zh-CN' ? '帮助' : 'help');
      expect(help.text).toContain(m('help.anytime'));
      const other = locale === 'zh-CN' ? 'en-US' : 'zh-CN';
      const switched: Turn = await chat.say(other === 'en-US' ? 'English' : '中文');
      expect(switched.text).toContain(t(other, 'language.switched'));
      expect(switched.text).toContain(t(other, 'ticket.ask_title', { max: 120 }));
      const later = await chat.say(other === 'en-US' ? 'menu' : '菜单');
      expect(later.text).toContain(t(other, 'figure.waiting'));
    });
  });
}
