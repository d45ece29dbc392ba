import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createPages } from '../../../http/pages';
import { createHttpApp } from '../../../http/server';
import { PasswordHasher } from '../../../services/passwords';
import { startTestApp, type TestApp } from '../../support/app';
import { drivers } from '../../support/db';
import { WebChatClient } from '../../support/webchat';
import { PageBrowser } from './browser';

const PASSWORD = 'correct horse 42';
let seq = 0;

describe.each(drivers)('secret pages [%s]', (driver) => {
  let app: TestApp;
  let offsetMs = 0;

  beforeAll(async () => {
    app = await startTestApp({ driver, now: () => new Date(Date.now() + offsetMs) });
  });
  afterAll(async () => {
    await app?.stop();
  });
  afterEach(() => {
    offsetMs = 0;
  });

  const services = () => app.ctx.services;

  async function customer(options: { mustChange?: boolean; name?: string } = {}) {
    const n = ++seq;
    const admin = { staffId: '00000000-0000-0000-0000-000000000000', role: 'admin' as const };
    const org = await services().organizations.create(admin, `Org ${n}`);
    const phone = `+86139${String(Date.now() % 100000).padStart(5, '0')}${String(n).padStart(3, '0')}`;
    const { account } = await services().accounts.open(admin, {
      phone,
      name: options.name ?? `客户${n}`,
      identities: [{ organizationId: org.id, displayName: `Contact ${n}` }],
    });
    await app.db.query('update accounts set password_hash = $2, must_change_password = $3 where id = $1', [
      account.id,
      await new PasswordHasher().hash(PASSWORD),
      options.mustChange ?? false,
    ]);
    return { accountId: account.id, phone, name: options.name ?? `客户${n}` };
  }

  /** A web chat user with an open page (to see the chat's confirmation). */
  async function chatUser(locale = 'zh-CN') {
    const chat = new WebChatClient(app.url, { locale });
    await chat.session();
    const chatUserId = chat.chatUserId;
    const events = await chat.events();
    return { chat, chatUserId, events };
  }

  it('shows the sign-in form in Chinese by default, in English on request, with strict headers', async () => {
    const { chatUserId, events } = await chatUser();
    events.close();
    const token = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
    const browser = new PageBrowser(app.url);
    const page = await browser.get(`/auth/sign-in?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.html).toContain('<html lang="zh-CN">');
    expect(page.text()).toContain('请输入您的账号和密码');
    expect(page.forms()[0]).toMatchObject({ action: '/auth/sign-in', inputs: ['login', 'password'] });
    expect(page.forms()[0]!.hidden).toMatchObject({ token, lang: 'zh-CN', csrf: expect.any(String) });
    // The token is in the page's URL only; the form posts it in its body.
    expect(page.forms()[0]!.action).not.toContain('token');
    expect(page.header('content-security-policy')).toContain("default-src 'none'");
    expect(page.header('content-security-policy')).toContain("form-action 'self'");
    expect(page.header('referrer-policy')).toBe('no-referrer');
    expect(page.header('cache-control')).toBe('no-store');
    expect(page.header('x-content-type-options')).toBe('nosniff');
    expect(page.header('set-cookie')).toMatch(/hd_csrf=.*HttpOnly.*SameSite=Strict/i);

    const english = await browser.get(`/auth/sign-in?token=${token}&lang=en-US`);
    expect(english.text()).toContain('Enter your account and password');
    const byHeader = await new PageBrowser(app.url, { 'accept-language': 'en-US,en;q=0.9' }).get(
      `/auth/sign-in?token=${token}`,
    );
    expect(byHeader.html).toContain('<html lang="en-US">');
  });

  it('signs in: a wrong password keeps the link, the right one binds, the chat confirms, the link is then used up', async () => {
    const who = await customer({ name: '张三' });
    const { chatUserId, events } = await chatUser();
    try {
      const token = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
      const browser = new PageBrowser(app.url);
      const form = await browser.get(`/auth/sign-in?token=${token}`);

      const wrong = await browser.submit(form, { login: who.phone, password: 'wrong password 1' });
      expect(wrong.status).toBe(400);
      expect(wrong.text()).toContain('账号或密码不正确');
      expect(wrong.html).not.toContain('wrong password 1');
      expect(wrong.forms()[0]!.hidden.token).toBe(token);

      const ok = await browser.submit(wrong, { login: who.phone, password: PASSWORD });
      expect(ok.status).toBe(200);
      expect(ok.text()).toContain('登录成功');
      expect(ok.text()).toContain('返回聊天窗口');
      const binding = await services().bindings.get('web', chatUserId);
      expect(binding?.accountId).toBe(who.accountId);
      expect((await events.next(30_000)).text).toContain('登录成功，欢迎您，张三');

      const reused = await browser.get(`/auth/sign-in?token=${token}`);
      expect(reused.status).toBe(410);
      expect(reused.text()).toContain('已经使用过');
      expect(reused.text()).toContain('发送“登录”获取新的链接');
      const reposted = await browser.submit(form, { login: who.phone, password: PASSWORD });
      expect(reposted.status).toBe(410);
    } finally {
      events.close();
    }
  });

  it('refuses an expired or unknown link with a page telling how to get a new one', async () => {
    const { chatUserId, events } = await chatUser();
    events.close();
    const token = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
    const browser = new PageBrowser(app.url, { 'accept-language': 'en' });
    const form = await browser.get(`/auth/sign-in?token=${token}`);
    offsetMs = 11 * 60 * 1000;
    const expired = await browser.get(`/auth/sign-in?token=${token}`);
    expect(expired.status).toBe(410);
    expect(expired.text()).toContain('This link has expired');
    expect(expired.text()).toContain('send "sign in" to get a new link');
    const posted = await browser.submit(form, { login: '+8613900000000', password: PASSWORD });
    expect(posted.status).toBe(410);

    const unknown = await browser.get('/auth/sign-in?token=not-a-token');
    expect(unknown.status).toBe(410);
    expect(unknown.text()).toContain('not valid');
    const wrongPurpose = await browser.get(`/auth/change-password?token=${token}`);
    expect(wrongPurpose.status).toBe(410);
  });

  it('refuses a form without the CSRF cookie, with a field of another link, or forged', async () => {
    const who = await customer();
    const { chatUserId, events } = await chatUser();
    events.close();
    const token = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
    const other = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
    const browser = new PageBrowser(app.url);
    const form = await browser.get(`/auth/sign-in?token=${token}`);
    const otherForm = await browser.get(`/auth/sign-in?token=${other}`);
    const fields = { login: who.phone, password: PASSWORD };

    const forged = await browser.post('/auth/sign-in', {
      ...form.forms()[0]!.hidden,
      csrf: 'forged',
      ...fields,
    });
    expect(forged.status).toBe(403);
    expect(forged.text()).toContain('请重新提交');
    const crossed = await browser.post('/auth/sign-in', {
      ...form.forms()[0]!.hidden,
      csrf: otherForm.forms()[0]!.hidden.csrf!,
      ...fields,
    });
    expect(crossed.status).toBe(403);
    browser.forgetCookies();
    const noCookie = await browser.submit(form, fields);
    expect(noCookie.status).toBe(403);
    // Nothing happened: not bound, the link still works.
    expect((await services().bindings.get('web', chatUserId))?.accountId ?? null).toBeNull();
    expect((await new PageBrowser(app.url).get(`/auth/sign-in?token=${token}`)).status).toBe(200);
  });

  it('with an initial password, goes straight on to choosing a new one, then the chat confirms the sign-in', async () => {
    const who = await customer({ mustChange: true, name: 'Li Lei' });
    const { chatUserId, events } = await chatUser('en-US');
    try {
      const token = await services().bindings.createWebToken('sign_in', 'web', chatUserId);
      const browser = new PageBrowser(app.url, { 'accept-language': 'en-US' });
      const signedIn = await browser.submit(await browser.get(`/auth/sign-in?token=${token}`), {
        login: who.phone,
        password: PASSWORD,
      });
      expect(signedIn.status).toBe(200);
      expect(signedIn.text()).toContain('You are using an initial password');
      const change = signedIn.forms()[0]!;
      expect(change).toMatchObject({
        action: '/auth/change-password',
        inputs: ['current', 'next', 'confirm'],
      });
      expect(change.hidden.flow).toBe('first_sign_in');
      expect(change.hidden.token).not.toBe(token);

      const mismatch = await browser.submit(signedIn, {
        current: PASSWORD,
        next: 'new pass 123',
        confirm: 'other 123',
      });
      expect(mismatch.status).toBe(400);
      expect(mismatch.text()).toContain('do not match');
      const done = await browser.submit(mismatch, {
        current: PASSWORD,
        next: 'new pass 123',
        confirm: 'new pass 123',
      });
      expect(done.status).toBe(200);
      expect(done.text()).toContain('Password changed');
      expect((await services().accounts.get(who.accountId)).mustChangePassword).toBe(false);
      expect((await events.next(30_000)).text).toContain('Signed in. Welcome, Li Lei!');
    } finally {
      events.close();
    }
  });

  it('changes a password: wrong current, weak new, then success; the old password stops working', async () => {
    const who = await customer();
    const { chatUserId, events } = await chatUser();
    try {
      await services().bindings.signInWithPassword('web', chatUserId, who.phone, PASSWORD);
      const token = await services().bindings.createWebToken('change_password', 'web', chatUserId);
      const browser = new PageBrowser(app.url);
      const form = await browser.get(`/auth/change-password?token=${token}`);
      expect(form.status).toBe(200);
      expect(form.text()).toContain('修改密码');

      const wrong = await browser.submit(form, {
        current: 'not it 123',
        next: 'better pass 99',
        confirm: 'better pass 99',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.text()).toContain('当前密码不正确');
      const weak = await browser.submit(wrong, { current: PASSWORD, next: 'short', confirm: 'short' });
      expect(weak.status).toBe(400);
      expect(weak.text()).toContain('至少需要 8 位');
      const ok = await browser.submit(weak, {
        current: PASSWORD,
        next: 'better pass 99',
        confirm: 'better pass 99',
      });
      expect(ok.status).toBe(200);
      expect(ok.text()).toContain('密码已修改');
      expect((await events.next(30_000)).text).toContain('密码已修改成功');
      await expect(services().accounts.verifyPassword(who.phone, PASSWORD)).rejects.toMatchObject({
        code: 'wrong_credentials',
      });
      expect((await browser.get(`/auth/change-password?token=${token}`)).status).toBe(410);
    } finally {
      events.close();
    }
  });

  it('resets a forgotten password with a code: wrong code, then the right one; the link is used up', async () => {
    const who = await customer();
    const { chatUserId, events } = await chatUser('en-US');
    try {
      const token = await services().bindings.createWebToken('forgot_password', 'web', chatUserId);
      const browser = new PageBrowser(app.url, { 'accept-language': 'en-US' });
      const start = await browser.get(`/auth/forgot-password?token=${token}`);
      expect(start.forms()[0]!.inputs).toEqual(['login']);
      const sent = await browser.submit(start, { login: who.phone });
      expect(sent.status).toBe(200);
      expect(sent.text()).toContain(`a code is on its way to ${who.phone}`);
      expect(sent.forms()[0]!.inputs).toEqual(['code', 'next', 'confirm']);
      const { rows } = await app.db.query<{ payload: { secret: { code: string } } }>(
        `select payload from outbox where topic = 'code.requested' and payload->'target'->>'address' = $1
         order by id desc limit 1`,
        [who.phone],
      );
      const code = rows[0]!.payload.secret.code;
      const wrongCode = code === '000000' ? '000001' : '000000';

      const wrong = await browser.submit(sent, {
        code: wrongCode,
        next: 'fresh pass 77',
        confirm: 'fresh pass 77',
      });
      expect(wrong.status).toBe(400);
      expect(wrong.text()).toMatch(/code/i);
      const ok = await browser.submit(wrong, { code, next: 'fresh pass 77', confirm: 'fresh pass 77' });
      expect(ok.status).toBe(200);
      expect(ok.text()).toContain('Your password has been reset');
      expect((await events.next(30_000)).text).toContain('Your password has been reset');
      await expect(services().accounts.verifyPassword(who.phone, 'fresh pass 77')).resolves.toMatchObject({
        id: who.accountId,
      });
      expect((await browser.get(`/auth/forgot-password?token=${token}`)).status).toBe(410);
    } finally {
      events.close();
    }
  });

  it('answers an unknown account like a known one (no account enumeration)', async () => {
    const { chatUserId, events } = await chatUser();
    events.close();
    const token = await services().bindings.createWebToken('forgot_password', 'web', chatUserId);
    const browser = new PageBrowser(app.url);
    const sent = await browser.submit(await browser.get(`/auth/forgot-password?token=${token}`), {
      login: '+8613012345678',
    });
    expect(sent.status).toBe(200);
    expect(sent.text()).toContain('如果该账号存在，验证码正在发送到 +8613012345678');
  });
});

describe('secret pages rate limit', () => {
  let app: TestApp;
  let server: Server;
  let url: string;
  const resumed: unknown[] = [];

  beforeAll(async () => {
    app = await startTestApp();
    const pages = createPages(
      app.ctx,
      { resume: async (...args) => void resumed.push(args) },
      { limits: { postsPer10Minutes: 3, getsPerMinute: 5 } },
    );
    const http = createHttpApp({ logger: app.ctx.logger, modules: [pages], readiness: [] });
    server = await new Promise<Server>((resolve) => {
      const s = http.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await app?.stop();
  });

  it('limits form posts and page views per client IP with a 429 page and Retry-After', async () => {
    const token = await app.ctx.services.bindings.createWebToken(
      'sign_in',
      'web',
      'web_ratelimit_user_000000000000000000',
    );
    const browser = new PageBrowser(url);
    const form = await browser.get(`/auth/sign-in?token=${token}`);
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await browser.submit(form, { login: '+8613900000001', password: 'x' })).status);
    expect(statuses).toEqual([400, 400, 400, 429]);
    const limited = await browser.submit(form, { login: '+8613900000001', password: 'x' });
    expect(limited.text()).toContain('操作太频繁');
    expect(Number(limited.header('retry-after'))).toBeGreaterThan(0);
    for (let i = 0; i < 4; i++) await browser.get(`/auth/sign-in?token=${token}`);
    expect((await browser.get(`/auth/sign-in?token=${token}`)).status).toBe(429);
    expect(resumed).toEqual([]);
  });
});
