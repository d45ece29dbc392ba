import { t } from '../../i18n';
import type { CustomerActor, StaffActor } from '../../services/contracts';
import {
  type CardJson,
  type ConnectorCall,
  cardElements,
  cardOf,
  type FakeBotConnector,
  FakeTeamsUser,
  startFakeBotConnector,
  submitData,
  textOf,
} from '../fakes/bot-connector';
import { PageBrowser } from '../http/pages/browser';
import { startTestApp, type TestApp } from '../support/app';
import { createOrganization } from '../support/fixtures';

/**
 * The customer portal in Teams, end to end over HTTP: real Bot Framework activities posted to the app's
 * /api/messages with serviceUrl = a fake Bot Connector that records every message, reply and update;
 * workers run too, so pushes and staff alerts come from the real outbox. One customer goes through the
 * flows in order: install, web sign-in, a ticket through the card form, paging, staff alerts, rating.
 */

const STAFF_CHANNEL = '19:staff-alerts@thread.tacv2';
const m = (key: string, params?: Record<string, string | number>) => t('zh-CN', key, params);
const NUMBER = /T\d{8}-\d{4}/;

describe('Teams: the portal end to end', () => {
  let app: TestApp;
  let connector: FakeBotConnector;
  let user: FakeTeamsUser;
  let admin: StaffActor;
  let accountId = '';
  let ticketNumber = '';

  beforeAll(async () => {
    connector = await startFakeBotConnector();
    app = await startTestApp({
      workers: true,
      env: {
        CHANNELS: 'web,teams',
        TEAMS_STAFF_CONVERSATION_ID: STAFF_CHANNEL,
        TEAMS_STAFF_SERVICE_URL: connector.url,
        OUTBOX_POLL_MS: '50',
      },
    });
    const { rows } = await app.db.query<{ id: string }>(
      `insert into staff (name, role) values ('管理员', 'admin') returning id`,
    );
    admin = { staffId: rows[0]!.id, role: 'admin' };
    user = new FakeTeamsUser({ botUrl: app.url, connector, name: '韩梅梅' });
  });
  afterAll(async () => {
    await app?.stop();
    await connector?.close();
  });

  const card = (calls: ConnectorCall[], predicate: (card: CardJson) => boolean = () => true) => {
    // Messages only: an update (PUT) carries the "done" version of an older card.
    const found = calls
      .filter((c) => c.kind !== 'update')
      .map(cardOf)
      .find((c) => c !== undefined && predicate(c));
    if (!found) throw new Error(`no matching card among: ${calls.map(textOf).join(' | ')}`);
    return found;
  };
  const hasButton = (title: string) => (c: CardJson) =>
    cardElements(c).some((e) => e.type === 'Action.Submit' && e.title === title);
  const actor = async (): Promise<CustomerActor> => app.ctx.services.bindings.actor('teams', user.userId);

  it('install: the welcome offers sign-in; the web sign-in is confirmed back in Teams', async () => {
    const welcome = await user.install();
    expect(user.lastStatus).toBe(200);
    const offer = card(welcome, hasButton(m('menu.sign_in_web')));

    const linkCalls = await user.press(submitData(offer, m('menu.sign_in_web')));
    const link = cardElements(card(linkCalls)).find((e) => e.type === 'Action.OpenUrl');
    expect(link?.url).toMatch(/\/auth\/sign-in\?token=/);

    // Staff opened the account; the initial password waits in the outbox (the SMS would carry it).
    const org = await createOrganization(app.db, '华东分公司');
    const phone = `+86139${String(Date.now() % 1e8).padStart(8, '0')}`;
    const opened = await app.ctx.services.accounts.open(admin, {
      phone,
      name: '韩梅梅',
      identities: [{ organizationId: org, displayName: '韩梅梅 @ 华东' }],
    });
    accountId = opened.account.id;
    const { rows } = await app.db.query<{ payload: { secret: { password: string } } }>(
      `select payload from outbox where topic = 'account.credentials' and payload->>'accountId' = $1`,
      [accountId],
    );
    const initial = rows[0]!.payload.secret.password;

    const before = connector.calls.length;
    const url = new URL(link!.url);
    const browser = new PageBrowser(app.url);
    const signedIn = await browser.submit(await browser.get(`${url.pathname}${url.search}`), {
      login: phone,
      password: initial,
    });
    expect(signedIn.status).toBe(200);
    const changed = await browser.submit(signedIn, {
      current: initial,
      next: 'Spring-2026-ok',
      confirm: 'Spring-2026-ok',
    });
    expect(changed.status).toBe(200);

    // The chat confirms the sign-in on its own (a proactive turn on the stored reference).
    await connector.waitFor(
      (c) => c.conversationId === user.conversationId && connector.calls.indexOf(c) >= before,
    );
    const binding = await app.ctx.services.bindings.get('teams', user.userId);
    expect(binding).toMatchObject({ accountId, reachable: true });
    expect(binding!.conversationRef).toMatchObject({
      serviceUrl: connector.url,
      conversation: { id: user.conversationId },
    });
  });

  it('new ticket through the card form: a validation error, the used form updated in place, then submitted once', async () => {
    const formCalls = await user.say(m('menu.new_ticket'));
    const form = card(formCalls, (c) => cardElements(c).some((e) => e.type === 'Input.Text'));
    const formMessage = formCalls.find((c) => cardOf(c) === form)!;
    const submit = submitData(form, m('ticket.form_next'));

    // Teams checks isRequired itself; a client that skips it still gets a clear answer from the bot.
    const invalid = await user.press(submit, {
      title: '   ',
      description: '三楼打印机一直卡纸',
      category: 'technical',
      priority: 'high',
    });
    const update = invalid.find((c) => c.kind === 'update');
    expect(update?.activityId).toBe(formMessage.body.id);
    expect(
      cardElements(cardOf(update!)!).some((e) => e.type.startsWith('Input.') || e.type.startsWith('Action.')),
    ).toBe(false);
    expect(invalid.map(textOf).join('\n')).toContain(m('ticket.title_required'));

    const afterTitle = await user.say('打印机卡纸');
    const attachments = card(afterTitle, hasButton(m('ticket.attachments_skip')));
    const channelCalls = await user.press(submitData(attachments, m('ticket.attachments_skip')));
    const replyChannel = card(channelCalls, hasButton(m('reply_channel.this_chat_default')));
    const summaryCalls = await user.press(submitData(replyChannel, m('reply_channel.this_chat_default')));
    const summary = card(summaryCalls, hasButton(m('ticket.submit')));
    expect(textOf(summaryCalls.find((c) => cardOf(c) === summary)!)).toContain('打印机卡纸');

    // Pressed twice (a double click before the card was updated): one ticket, and a clear note.
    const submitTicket = submitData(summary, m('ticket.submit'));
    const press = user.activity({ type: 'message', value: submitTicket });
    const first = await user.post(press);
    ticketNumber = NUMBER.exec(first.map(textOf).join('\n'))?.[0] ?? '';
    expect(ticketNumber).not.toBe('');
    const pressAgain = user.activity({ type: 'message', value: submitTicket });
    const second = await user.post(pressAgain);
    expect(second.map(textOf).join('\n')).toContain(m('teams.card_used'));
    expect(second.map(textOf).join('\n')).not.toMatch(NUMBER);

    // Teams resending a request after 15 s (same activity id) is dropped without a word.
    expect(await user.post(press)).toEqual([]);
    expect(await user.post(pressAgain)).toEqual([]);
    const { rows } = await app.db.query<{ n: number }>(
      `select count(*)::int as n from tickets where account_id = $1 and title = '打印机卡纸' and status <> 'draft'`,
      [accountId],
    );
    expect(rows[0]!.n).toBe(1);
  });

  it('staff alerts: a new-ticket card in the staff channel; Accept works for staff only', async () => {
    const [alert] = await connector.waitFor(
      (c) => c.conversationId === STAFF_CHANNEL && textOf(c).includes(ticketNumber),
      1,
      20_000,
    );
    const alertCard = cardOf(alert!)!;
    const accept = submitData(alertCard, (d) => d.action === 'staff_accept');

    const stranger = new FakeTeamsUser({
      botUrl: app.url,
      connector,
      name: 'Visitor',
      conversation: { id: STAFF_CHANNEL, conversationType: 'channel' },
    });
    const refused = await stranger.press(accept, {}, alert!.body.id);
    expect(refused.map(textOf).join('\n')).toContain(m('teams.staff_unknown'));
    expect((await app.ctx.services.staffTickets.get(ticketNumber)).status).toBe('waiting');

    const agent = new FakeTeamsUser({
      botUrl: app.url,
      connector,
      name: '王五',
      conversation: { id: STAFF_CHANNEL, conversationType: 'channel' },
    });
    await app.ctx.services.staff.create(admin, {
      name: '王五',
      email: null,
      phone: null,
      role: 'agent',
      wecomUserId: null,
      teamsUserId: agent.aadObjectId,
      alertNewTicket: true,
      alertRating: true,
    });
    const accepted = await agent.press(accept, {}, alert!.body.id);
    expect(accepted.map(textOf).join('\n')).toContain(m('teams.staff_accepted', { number: ticketNumber }));
    const ticket = await app.ctx.services.staffTickets.get(ticketNumber);
    expect(ticket).toMatchObject({ status: 'in_progress', acceptedBy: { name: '王五' } });
    // Everybody in the channel now sees who took it, and no Accept button.
    const update = accepted.find((c) => c.kind === 'update' && c.activityId === alert!.body.id);
    expect(textOf(update!)).toContain('王五');
    expect(cardElements(cardOf(update!)!).some((e) => e.type === 'Action.Submit')).toBe(false);

    // The customer hears about it in Teams (F9), pushed by the workers.
    await connector.waitFor(
      (c) => c.kind === 'send' && c.conversationId === user.conversationId && textOf(c).includes('王五'),
      1,
      20_000,
    );
  });

  it('list pages: next page by the card button, the first page card updated', async () => {
    const me = await actor();
    for (let i = 1; i <= 7; i++) {
      const draft = await app.ctx.services.tickets.createDraft(me, {
        title: `网络故障 ${i}`,
        description: '无法上网',
        category: 'technical',
        priority: 'low',
        replyChannel: { kind: 'chat', channel: 'teams', chatUserId: user.userId },
      });
      await app.ctx.services.tickets.submit(me, draft.id);
    }
    const page1Calls = await user.say(m('menu.my_tickets'));
    const page1 = card(page1Calls, hasButton(m('list.next')));
    const page1Text = textOf(page1Calls.find((c) => cardOf(c) === page1)!);
    expect(page1Text).toContain('网络故障 7');
    expect(page1Text).not.toContain('打印机卡纸');

    const page2Calls = await user.press(submitData(page1, m('list.next')));
    const page2 = card(page2Calls, (c) => cardElements(c).some((e) => e.selectAction));
    const page2Text = textOf(page2Calls.find((c) => cardOf(c) === page2)!);
    expect(page2Text).toContain('打印机卡纸');
    expect(page2Text).not.toContain('网络故障 7');
    expect(page2Calls.some((c) => c.kind === 'update')).toBe(true);
  });

  it('rating: the rate button on the pushed "resolved" card, a 1-5 choice set, a low rating alert for staff', async () => {
    const staff = await app.ctx.services.staff.list();
    const agent = staff.find((s) => s.name === '王五')!;
    await app.ctx.services.staffTickets.resolve(
      { staffId: agent.id, role: 'agent' },
      ticketNumber,
      '已更换搓纸轮',
    );
    const [pushed] = await connector.waitFor(
      (c) =>
        c.kind === 'send' && c.conversationId === user.conversationId && textOf(c).includes('已更换搓纸轮'),
      1,
      20_000,
    );
    const rate = submitData(cardOf(pushed!)!, (d) => d.action === 'rate');

    const formCalls = await user.press(rate);
    const form = card(formCalls, (c) => cardElements(c).some((e) => e.id === 'stars'));
    const stars = cardElements(form).find((e) => e.id === 'stars')!;
    expect(stars.choices.map((c: CardJson) => c.value)).toEqual(['1', '2', '3', '4', '5']);
    expect(cardElements(form).some((e) => e.type === 'Input.Rating')).toBe(false);

    const thanks = await user.press(
      submitData(form, (d) => d.action === 'rate_form'),
      {
        stars: '2',
        comment: '太慢了',
      },
    );
    expect(thanks.map(textOf).join('\n')).toContain(m('rating.thanks_low'));
    const ticket = await app.ctx.services.staffTickets.get(ticketNumber);
    expect(ticket.rating).toMatchObject({ stars: 2, comment: '太慢了' });

    const [alert] = await connector.waitFor(
      (c) => c.conversationId === STAFF_CHANNEL && textOf(c).includes('太慢了'),
      1,
      20_000,
    );
    expect(cardOf(alert!)!.body[0]).toMatchObject({ style: 'attention' });
  });

  it('uninstall: the binding becomes unreachable until the user writes again', async () => {
    await user.uninstall();
    expect(user.lastStatus).toBe(200);
    expect((await app.ctx.services.bindings.get('teams', user.userId))!.reachable).toBe(false);
    await user.say(m('menu.my_tickets'));
    expect((await app.ctx.services.bindings.get('teams', user.userId))!.reachable).toBe(true);
  });
});
