import { Writable } from 'node:stream';
import { t } from '../../i18n';
import { type FakeSms, startFakeSms, tencentEnv } from '../fakes/sms';
import { type FakeSmtp, startFakeSmtp } from '../fakes/smtp';
import { PageBrowser } from '../http/pages/browser';
import { startTestApp, type TestApp } from '../support/app';
import { WebChatClient } from '../support/webchat';

/**
 * Issue 10, item 5: no secret in any log line. The whole product runs with every log line kept (level
 * trace): staff API, web chat sign-in by link and by code, the forced first password change, a
 * forgotten password, a contact change, a staff password reset, wrong passwords and codes; then every
 * secret the run made or typed is looked for in the whole log.
 */
describe('the logs of a whole run', () => {
  let app: TestApp;
  let sms: FakeSms;
  let smtp: FakeSmtp;
  const lines: string[] = [];
  // Code sends to one address are one a minute apart: the run moves its clock on between them.
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  const secrets = new Map<string, string>();
  const m = (key: string, params?: Record<string, string | number>) => t('zh-CN', key, params);
  const keep = (what: string, value: string | undefined) => {
    if (!value || value.length < 6) throw new Error(`no secret for ${what}`);
    secrets.set(value, what);
    return value;
  };

  beforeAll(async () => {
    sms = await startFakeSms();
    smtp = await startFakeSmtp();
    app = await startTestApp({
      workers: true,
      now,
      log: {
        level: 'trace',
        stream: new Writable({
          write(chunk, _enc, done) {
            lines.push(String(chunk));
            done();
          },
        }),
      },
      env: {
        CHANNELS: 'web,teams',
        OUTBOX_POLL_MS: '50',
        SMTP_URL: smtp.url,
        ...tencentEnv(sms),
      },
    });
    keep('the Tencent secret key', tencentEnv(sms).TENCENT_SECRET_KEY);
  }, 60_000);
  afterAll(async () => {
    await app?.stop();
    await sms?.close();
    await smtp?.close();
  });

  /** The newest SMS to `phone` with this template (credentials 100001, code 100002), its parameters. */
  async function smsTo(phone: string, template: string, after: number): Promise<string[]> {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = sms.requests.slice(after).find((r) => r.phone === phone && r.template === template);
      if (found) return found.params as string[];
      if (Date.now() > deadline) throw new Error(`no SMS ${template} to ${phone}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  const api = async (method: string, path: string, token: string, body?: unknown) => {
    const res = await fetch(`${app.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
    const json = (await res.json().catch(() => ({}))) as Record<string, any>;
    return { status: res.status, json };
  };

  it('holds none of the passwords, codes, link tokens, API tokens and cookies it saw', async () => {
    const { rows } = await app.db.query<{ id: string }>(
      `insert into staff (name, role) values ('Ops', 'admin') returning id`,
    );
    const admin = keep(
      'an admin API token',
      (await app.ctx.services.staff.issueToken('system', rows[0]!.id)).token,
    );

    // S1 + F1: an account opened through the API; its initial password goes out by SMS.
    const org = await api('POST', '/organizations', admin, { name: 'Log Test Co' });
    const phone = '+8613912340000';
    let mark = sms.requests.length;
    const opened = await api('POST', '/accounts', admin, {
      phone,
      name: '测试客户',
      identities: [{ organizationId: org.json.id, displayName: '测试客户' }],
    });
    expect(opened.status).toBe(201);
    const initial = keep('an initial password', (await smsTo(phone, '100001', mark))[1]);
    const token = await api('POST', `/staff/${rows[0]!.id}/tokens`, admin, { label: 'second' });
    keep('a second API token', token.json.token);
    await api('GET', '/me', 'hd_wrongtokenwrongtokenwrongtokenwrongtoken000');

    // F2a: the web sign-in link, a wrong password, the initial password, the forced change.
    const chat = new WebChatClient(app.url, { locale: 'zh-CN' });
    await chat.open();
    keep('a web chat cookie', chat.cookie!.split('=')[1]);
    const link = (await chat.press(m('menu.sign_in_web'))).link!;
    keep('a sign-in link token', new URL(link).searchParams.get('token')!);
    const browser = new PageBrowser(app.url);
    const page = await browser.get(new URL(link).pathname + new URL(link).search);
    keep('a CSRF field', page.forms()[0]!.hidden.csrf);
    const wrong = await browser.submit(page, {
      login: phone,
      password: keep('a wrong password', 'Wrong-pass-999'),
    });
    const forced = await browser.submit(wrong, { login: phone, password: initial });
    const chosen = keep('a chosen password', 'Chosen-pass-2026');
    keep('a change-password link token', forced.forms()[0]!.hidden.token);
    const changed = await browser.submit(forced, { current: initial, next: chosen, confirm: chosen });
    expect(changed.status).toBe(200);

    // F2b: code sign-in in a second browser, one wrong code first.
    const second = new WebChatClient(app.url, { locale: 'zh-CN' });
    await second.open();
    keep('a second web chat cookie', second.cookie!.split('=')[1]);
    await second.press(m('menu.sign_in_code'));
    mark = sms.requests.length;
    await second.say(phone);
    const code = keep('a sign-in code', (await smsTo(phone, '100002', mark))[0]);
    await second.say(code === '000000' ? '000001' : '000000');
    const signedIn = await second.say(code);
    expect(signedIn.text).toContain(m('signin.success', { name: '测试客户' }));

    // F13: a contact change confirmed by a code to the new email.
    await second.press(m('menu.profile'));
    await second.press(m('profile.edit_email'));
    await second.say('new.address@example.com');
    const mail = await smtp.waitFor(1);
    const contactCode = keep('a contact-change code', /\b(\d{6})\b/.exec(mail.at(-1)!.text)![1]);
    await second.say(contactCode);

    // F11: a forgotten password, from the link to the new password (the code goes to the new email).
    offset += 2 * 60_000;
    const anonymous = new WebChatClient(app.url, { locale: 'zh-CN' });
    await anonymous.open();
    const forgot = (await anonymous.press(m('menu.forgot_password'))).link!;
    keep('a forgot-password link token', new URL(forgot).searchParams.get('token')!);
    const reset = new PageBrowser(app.url);
    const start = await reset.get(new URL(forgot).pathname + new URL(forgot).search);
    const mails = smtp.messages.length;
    const sent = await reset.submit(start, { login: 'new.address@example.com' });
    const codeMail = (await smtp.waitFor(mails + 1)).at(-1)!;
    const resetCode = keep('a reset code', /\b(\d{6})\b/.exec(codeMail.text)![1]);
    const fresh = keep('a reset password', 'Fresh-pass-7788');
    const done = await reset.submit(sent, { code: resetCode, next: fresh, confirm: fresh });
    expect(done.status).toBe(200);

    // S1: a staff password reset sends a new initial password (by SMS, and by email now that there is one).
    const before = smtp.messages.length;
    expect((await api('POST', `/accounts/${opened.json.account.id}/password-reset`, admin)).status).toBe(202);
    const resetMail = (await smtp.waitFor(before + 1)).at(-1)!;
    // The account's locale is zh-CN: "新的初始密码：<password>".
    const newInitial = /新的初始密码：(\S+)/.exec(resetMail.text)?.[1];
    keep('a staff-reset password', newInitial);

    // Let the workers finish what they were doing, then read every line.
    await new Promise((r) => setTimeout(r, 500));
    const log = lines.join('');
    // Every request was logged (with its path), so the scan below has something to look at.
    expect(lines.filter((line) => line.includes('request completed')).length).toBeGreaterThan(20);
    expect(log).toContain('/auth/sign-in?token=…');
    const found = [...secrets].filter(([secret]) => log.includes(secret)).map(([, what]) => what);
    expect(found).toEqual([]);
    expect(secrets.size).toBeGreaterThanOrEqual(15);
  }, 120_000);

  it('client mistakes are noted at info level, without stacks; the server answers 4xx', async () => {
    const from = lines.length;
    const chat = new WebChatClient(app.url);
    await chat.open();
    const post = (path: string, body: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-webchat': '1', cookie: chat.cookie!, ...headers },
        body,
      });
    const statuses = [
      (await post('/api/webchat/messages', '{"text": "unfinished')).status,
      (await post('/api/webchat/messages', '[1,2,3]')).status,
      (await post('/api/webchat/session', 'not json at all')).status,
      (await post('/api/messages', '{"type": "message"}')).status,
      (await post('/api/messages', '{"type": "message", "channelId": "msteams", "serviceUrl": "ftp://x"}'))
        .status,
      (
        await post(
          '/api/messages',
          '{"type": "message", "serviceUrl": "http://127.0.0.1:9/", "channelId": 1}',
        )
      ).status,
      (await post('/api/v1/organizations', '{"name": ', { authorization: 'Bearer hd_x' })).status,
    ];
    for (const status of statuses) expect(status >= 400 && status < 500).toBe(true);
    const logged = lines.slice(from).map((line) => JSON.parse(line) as { level: number; err?: unknown });
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.filter((line) => line.level >= 40)).toEqual([]);
    expect(lines.slice(from).join('')).not.toMatch(/"stack"|at \w+ \(/);
  });
});
