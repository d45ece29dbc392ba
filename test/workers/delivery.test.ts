import IORedis from 'ioredis';
import { type FakeSms, startFakeSms, tencentEnv } from '../fakes/sms';
import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp';
import { drivers } from '../support/db';
import { createCustomer } from '../support/fixtures';
import {
  count,
  createHarness,
  customerWith,
  eventually,
  fileTicket,
  type Harness,
  inboxCount,
  REDIS_URL,
  staffMember,
} from './harness';

/**
 * F9 / F1 / F11 / S2 end to end through the real queues: a change made through the services is
 * written to the outbox, relayed to BullMQ, planned and delivered to the web chat inbox, the SMTP
 * server and the SMS provider fakes, in the recipient's language.
 */
describe.each(drivers)('notifications reach the customer [%s]', (driver) => {
  let h: Harness;
  let smtp: FakeSmtp;
  let sms: FakeSms;
  let sub: IORedis;
  const published: string[] = [];

  beforeAll(async () => {
    smtp = await startFakeSmtp();
    sms = await startFakeSms();
    h = await createHarness({
      driver,
      env: {
        SMTP_URL: smtp.url,
        MAIL_FROM: 'Helpdesk <helpdesk@example.com>',
        ...tencentEnv(sms),
      },
    });
    sub = new IORedis(REDIS_URL);
    await sub.subscribe(`${h.prefix}:webchat`);
    sub.on('message', (_channel, message: string) => published.push(message));
    await h.start();
  });

  afterAll(async () => {
    sub.disconnect();
    await h.stop();
    await smtp.close();
    await sms.close();
  });

  test('accepted: the web chat gets the message in the binding language, with next steps as buttons', async () => {
    const customer = await customerWith(h, { reply: 'chat', locale: 'en-US' });
    const ticket = await fileTicket(h, customer, { title: 'VPN drops every hour' });
    const staff = await staffMember(h, 'Agent Li');
    await h.ctx.services.staffTickets.accept(staff, ticket.id);

    await eventually(
      async () => (await inboxCount(h, customer.chat.chatUserId)) === 1,
      'the web chat inbox row',
    );
    const { rows } = await h.db.query<{
      activity: {
        text: string;
        locale: string;
        attachments: { content: { choices: { value: { action: string } }[] } }[];
      };
    }>('select activity from web_chat_inbox where chat_user_id = $1', [customer.chat.chatUserId]);
    const activity = rows[0]!.activity;
    expect(activity.locale).toBe('en-US');
    expect(activity.text).toContain(`Ticket ${ticket.number} accepted`);
    expect(activity.text).toContain('"VPN drops every hour" was accepted by Agent Li');
    expect(activity.attachments[0]!.content.choices.map((c) => c.value.action)).toEqual(['open_ticket']);
    // Announced on Redis, so an open page shows it at once.
    await eventually(
      () => published.some((m) => m.includes(customer.chat.chatUserId)),
      'the web chat announcement',
    );
    // Nothing went anywhere else.
    expect(smtp.messages).toHaveLength(0);
    expect(sms.requests).toHaveLength(0);
  });

  test('a chat that never chose a language is written to in its client language, naming the identity', async () => {
    const customer = await customerWith(h, { reply: 'chat' });
    // An English browser (its activities say en-US) that never typed "English": no locale on the binding.
    await h.db.query(
      `update chat_bindings set locale = null, conversation_ref = $2::jsonb where chat_user_id = $1`,
      [
        customer.chat.chatUserId,
        JSON.stringify({ channelId: 'web', locale: 'en-US', conversation: { id: 'c' } }),
      ],
    );
    const ticket = await fileTicket(h, customer, { title: 'Badge reader' });
    await h.ctx.services.staffTickets.accept(await staffMember(h, 'Agent Wu'), ticket.id);
    await eventually(
      async () => (await inboxCount(h, customer.chat.chatUserId)) === 1,
      'the web chat inbox row',
    );
    const { rows } = await h.db.query<{ activity: { text: string; locale: string } }>(
      'select activity from web_chat_inbox where chat_user_id = $1',
      [customer.chat.chatUserId],
    );
    const { rows: names } = await h.db.query<{ org: string; name: string }>(
      `select o.name as org, i.display_name as name from identities i join organizations o on o.id = i.organization_id
        where i.id = $1`,
      [customer.identityId],
    );
    expect(rows[0]!.activity.locale).toBe('en-US');
    expect(rows[0]!.activity.text).toContain(`Ticket ${ticket.number} accepted`);
    expect(rows[0]!.activity.text).toContain(`For: ${names[0]!.org} · ${names[0]!.name}`);
  });

  test('resolved: an email in zh-CN with the handling reply, text and HTML from the same template', async () => {
    const customer = await customerWith(h, { reply: 'email', locale: 'zh-CN', email: 'zhang@example.com' });
    const ticket = await fileTicket(h, customer, { title: '打印机卡纸' });
    const staff = await staffMember(h);
    await h.ctx.services.staffTickets.accept(staff, ticket.id);
    await h.ctx.services.staffTickets.resolve(staff, ticket.id, '已更换搓纸轮，请重新打印。');

    await eventually(
      () => smtp.messages.filter((m) => m.to.includes('zhang@example.com')).length === 2,
      'two emails',
    );
    const resolved = smtp.messages.find(
      (m) => m.to.includes('zhang@example.com') && m.subject.includes('已解决'),
    )!;
    expect(resolved.subject).toBe(`工单 ${ticket.number} 已解决`);
    expect(resolved.headers['content-language']).toBe('zh-CN');
    for (const body of [resolved.text, resolved.html]) {
      expect(body).toContain(`您的工单 ${ticket.number}「打印机卡纸」已解决`);
      expect(body).toContain('处理回复：已更换搓纸轮，请重新打印。');
      expect(body).toContain(`评价：在聊天中打开工单 ${ticket.number}，选择「评价」。`);
    }
    expect(resolved.html).toContain('<html lang="zh-CN">');
  });

  test('en-US email for an English account', async () => {
    const customer = await customerWith(h, { reply: 'email', locale: 'en-US', email: 'amy@example.com' });
    const ticket = await fileTicket(h, customer, { title: 'Cannot print' });
    await h.ctx.services.tickets.cancel(customer.actor, ticket.id);
    const [mail] = await eventuallyMail(smtp, 'amy@example.com', 1);
    expect(mail!.subject).toBe(`Ticket ${ticket.number} cancelled`);
    expect(mail!.text).toContain(`Your ticket ${ticket.number} "Cannot print" has been cancelled.`);
    expect(mail!.text).toContain('please do not reply');
  });

  test('SMS reply channel: Tencent SendSms with the notice template and its parameters', async () => {
    const customer = await customerWith(h, { reply: 'sms', phone: '+8613800138000' });
    const ticket = await fileTicket(h, customer);
    await h.ctx.services.staffTickets.accept(await staffMember(h), ticket.id);
    await eventually(() => sms.requests.some((r) => r.phone === '+8613800138000'), 'the SMS');
    const request = sms.requests.find((r) => r.phone === '+8613800138000')!;
    expect(request).toMatchObject({
      provider: 'tencent',
      action: 'SendSms',
      sign: '客服中心',
      template: '100003',
      params: [ticket.number, '已受理'],
      signed: true,
    });
    expect(request.headers['x-tc-version']).toBe('2021-01-11');
  });

  test('F1: credentials by SMS and email; the password is erased from the outbox once both are sent', async () => {
    const admin = await staffMember(h, 'Admin');
    const org = await h.ctx.services.organizations.create({ ...admin, role: 'admin' }, 'ACME');
    const { account } = await h.ctx.services.accounts.open(
      { ...admin, role: 'admin' },
      {
        name: '李雷',
        phone: '13900139000',
        email: 'lilei@example.com',
        identities: [{ organizationId: org.id, displayName: '李雷 (ACME)' }],
      },
    );
    await eventually(() => sms.requests.some((r) => r.template === '100001'), 'the credentials SMS');
    const [mail] = await eventuallyMail(smtp, 'lilei@example.com', 1);
    const request = sms.requests.find((r) => r.template === '100001')!;
    const [login, password] = request.params as string[];
    expect(login).toBe(account.phone);
    expect(password).toMatch(/^\S{8,}$/);
    expect(mail!.subject).toBe('您的客服账号已开通');
    expect(mail!.text).toContain(`账号：lilei@example.com`);
    expect(mail!.text).toContain(`初始密码：${password}`);
    // The same password works for signing in (it is the one the account was created with).
    await expect(h.ctx.services.accounts.verifyPassword('13900139000', password!)).resolves.toMatchObject({
      id: account.id,
    });
    await eventually(
      async () =>
        (await count(
          h.db,
          `select count(*)::int as n from outbox where topic = 'account.credentials' and payload ? 'secret'`,
        )) === 0,
      'the secret erased',
    );
  });

  test('F11: a reset code by SMS with the code template', async () => {
    const admin = await staffMember(h, 'Admin2');
    const org = await h.ctx.services.organizations.create({ ...admin, role: 'admin' }, 'Initech');
    await h.ctx.services.accounts.open(
      { ...admin, role: 'admin' },
      {
        name: 'Han Meimei',
        phone: '13700137000',
        identities: [{ organizationId: org.id, displayName: 'Han' }],
      },
    );
    await h.ctx.services.accounts.requestPasswordReset('13700137000', 'en-US');
    // The credentials SMS went to the same phone moments ago: the carriers' per-number limit (one per
    // 30 s) holds the code back until the window opens. It waits; it is not dropped.
    await eventually(() => sms.requests.some((r) => r.template === '100002'), 'the code SMS', 40_000);
    const request = sms.requests.find((r) => r.template === '100002')!;
    expect(request.phone).toBe('+8613700137000');
    expect(request.params).toEqual([expect.stringMatching(/^\d{6}$/), '10']);
  }, 60_000);

  test('F7: a colleague a ticket is shared with hears of it in the chat where that identity is active', async () => {
    const customer = await customerWith(h, { reply: 'chat' });
    const colleague = await createCustomer(h.db, customer.organizationId, { displayName: '王工' });
    await h.db.query(`update identities set display_name = '李经理' where id = $1`, [customer.identityId]);
    await h.db.query(`update chat_bindings set locale = 'zh-CN' where chat_user_id = $1`, [
      colleague.chat.chatUserId,
    ]);
    const ticket = await fileTicket(h, customer, { title: '打印机卡纸' });
    await h.ctx.services.tickets.share(customer.actor, ticket.id, colleague.identityId);
    await eventually(
      async () => (await inboxCount(h, colleague.chat.chatUserId)) === 1,
      "the colleague's web chat message",
    );
    const { rows } = await h.db.query<{ activity: { text: string } }>(
      'select activity from web_chat_inbox where chat_user_id = $1',
      [colleague.chat.chatUserId],
    );
    expect(rows[0]!.activity.text).toContain(`李经理 与您共享了工单 ${ticket.number}`);
    expect(rows[0]!.activity.text).toContain(`工单 ${ticket.number}「打印机卡纸」已共享给您`);
  });

  test('S2: a low rating reaches the handling staff member, highlighted', async () => {
    const customer = await customerWith(h, { reply: 'chat' });
    const ticket = await fileTicket(h, customer, { title: 'Slow laptop' });
    const staff = await staffMember(h, 'Agent Zhou');
    await h.db.query(`update staff set email = 'zhou@example.com', alert_new_ticket = false where id = $1`, [
      staff.staffId,
    ]);
    await h.ctx.services.staffTickets.accept(staff, ticket.id);
    await h.ctx.services.staffTickets.resolve(staff, ticket.id, 'Rebooted.');
    await h.ctx.services.tickets.rate(customer.actor, ticket.id, 1, '没解决');
    const [mail] = await eventuallyMail(smtp, 'zhou@example.com', 1);
    expect(mail!.subject).toBe(`⚠ 低分评价：工单 ${ticket.number} 仅 1 星`);
    expect(mail!.html).toContain('color:#c0392b');
    expect(mail!.text).toContain('评价内容：没解决');
  });

  test('S2: a supplement reaches the staff member handling the ticket, with its text', async () => {
    const customer = await customerWith(h, { reply: 'chat' });
    const ticket = await fileTicket(h, customer, { title: 'Printer offline' });
    const staff = await staffMember(h, 'Agent Qian');
    await h.db.query(`update staff set email = 'qian@example.com', alert_new_ticket = false where id = $1`, [
      staff.staffId,
    ]);
    await h.ctx.services.staffTickets.accept(staff, ticket.id);
    await h.ctx.services.tickets.addSupplement(customer.actor, ticket.id, '型号是 HP M404，IP 10.0.0.7');
    const [mail] = await eventuallyMail(smtp, 'qian@example.com', 1);
    expect(mail!.subject).toBe(`工单 ${ticket.number} 有客户补充说明`);
    expect(mail!.text).toContain(`您处理的工单 ${ticket.number}「Printer offline」收到客户补充：`);
    expect(mail!.text).toContain('型号是 HP M404，IP 10.0.0.7');
  });
});

async function eventuallyMail(smtp: FakeSmtp, to: string, n: number) {
  await eventually(
    () => smtp.messages.filter((m) => m.to.includes(to)).length >= n,
    `${n} email(s) to ${to}`,
  );
  return smtp.messages.filter((m) => m.to.includes(to));
}

describe.each(drivers)('outbox relay wake-up [%s]', (driver) => {
  let h: Harness;
  beforeAll(async () => {
    // A poll far longer than the waits below: only the NOTIFY of a committed row can wake the relay.
    h = await createHarness({ driver, env: { OUTBOX_POLL_MS: '60000' } });
    await h.start();
  });
  afterAll(async () => {
    await h.stop();
  });

  test('a committed change is relayed at once, not at the next poll', async () => {
    const inbox = (chatUserId: string) => inboxCount(h, chatUserId);
    const customer = await customerWith(h, { reply: 'chat' });
    const ticket = await fileTicket(h, customer);
    const staff = await staffMember(h);
    await h.ctx.services.staffTickets.accept(staff, ticket.id);
    // The first delivery proves the relay's opening pass is over; from here on it sleeps 60 s.
    await eventually(async () => (await inbox(customer.chat.chatUserId)) === 1, 'the first delivery');
    await h.ctx.services.staffTickets.reply(staff, ticket.id, 'Please restart the printer.');
    await eventually(
      async () => (await inbox(customer.chat.chatUserId)) === 2,
      'the second delivery',
      15_000,
    );
  });
});

describe('Alibaba Cloud SMS', () => {
  let h: Harness;
  let sms: FakeSms;

  beforeAll(async () => {
    sms = await startFakeSms();
    h = await createHarness({
      env: {
        SMS_PROVIDER: 'aliyun',
        SMS_ENDPOINT: sms.url,
        ALIYUN_ACCESS_KEY_ID: 'LTAItest',
        ALIYUN_ACCESS_KEY_SECRET: 'secret-test',
        SMS_SIGN_NAME: '客服中心',
        SMS_TEMPLATE_CREDENTIALS: 'SMS_100001',
        SMS_TEMPLATE_CODE: 'SMS_100002',
        SMS_TEMPLATE_NOTICE: 'SMS_100003',
      },
    });
    await h.start();
  });

  afterAll(async () => {
    await h.stop();
    await sms.close();
  });

  test('credentials by SendSms (RPC style) with named template parameters', async () => {
    const admin = await staffMember(h, 'Admin');
    const org = await h.ctx.services.organizations.create({ ...admin, role: 'admin' }, 'ACME');
    await h.ctx.services.accounts.open(
      { ...admin, role: 'admin' },
      { name: '王芳', phone: '13600136000', identities: [{ organizationId: org.id, displayName: '王芳' }] },
    );
    const [request] = await sms.waitFor(1);
    expect(request).toMatchObject({
      provider: 'aliyun',
      action: 'SendSms',
      phone: '13600136000',
      sign: '客服中心',
      template: 'SMS_100001',
      params: { account: '+8613600136000', password: expect.stringMatching(/^\S{8,}$/) },
      signed: true,
    });
    // Our delivery key rides along as OutId (ties delivery receipts to the delivery).
    expect(request!.context).toMatch(/^o\d+\|account:/);
  });
});
