import type { WebMessage } from '../../bot/render/web';
import { createWebChatPush } from '../../bot/web/push';
import { createTestDatabase, drivers, type TestDatabase } from '../support/db';
import { textOf, WebChatClient, type WebChatEvents } from '../support/webchat';
import { type BotHarness, startBotHarness } from './harness';

describe.each(drivers)('web chat endpoints [%s]', (driver) => {
  let database: TestDatabase;
  let bot: BotHarness;

  beforeAll(async () => {
    database = await createTestDatabase(driver);
    bot = await startBotHarness(database.db);
  });
  afterAll(async () => {
    await bot?.stop();
    await database?.drop();
  });

  it('gives a new browser an HttpOnly chat user cookie and the welcome, a returning one no second welcome', async () => {
    const res = await fetch(`${bot.url}/api/webchat/session`, {
      method: 'POST',
      headers: { 'x-webchat': '1', 'content-type': 'application/json', 'accept-language': 'en-GB,en;q=0.8' },
      body: '{}',
    });
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^hd_webchat=web_[A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{22};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    const body = (await res.json()) as { activities: WebMessage[] };
    expect(body).toMatchObject({ isNew: true, locale: 'en-US', devTools: true });
    expect(textOf(body.activities)).toBe('welcome');

    const client = new WebChatClient(bot.url, { cookie: cookie.split(';')[0] });
    const again = await client.session();
    expect(again).toMatchObject({ isNew: false, activities: [] });
  });

  it('refuses posts without the page header, without a session and with malformed input', async () => {
    const client = new WebChatClient(bot.url);
    const noSession = await client.send({ text: 'hi' });
    expect(noSession.status).toBe(401);
    await client.session();
    const forged = await fetch(`${bot.url}/api/webchat/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: client.cookie! },
      body: JSON.stringify({ text: 'hi' }),
    });
    expect(forged.status).toBe(403);
    expect((await client.send({ value: { noAction: 1 } })).status).toBe(400);
    expect((await client.send({ value: { action: 'x', nested: { a: 1 } } })).status).toBe(400);
    expect((await client.send({ text: '   ' })).status).toBe(400);
    expect((await client.send({ text: 'x'.repeat(4001) })).status).toBe(400);
  });

  it('answers a message with the rendered reply and keeps conversation state between turns', async () => {
    const client = new WebChatClient(bot.url, { locale: 'zh-CN' });
    await client.session();
    const first = await client.say('你好');
    expect(first.messages).toHaveLength(1);
    expect(first.messages[0]).toMatchObject({ op: 'add', locale: 'zh-CN' });
    expect(first.messages[0]!.blocks).toEqual([
      {
        kind: 'buttons',
        text: 'echo:你好 #1',
        buttons: [{ label: 'Again', value: { action: 'again' }, style: 'default' }],
      },
    ]);
    const second = await client.press('Again');
    expect(second.messages[0]!.blocks[0]).toMatchObject({ text: 'echo:Again #2' });
  });

  it('stores the conversation reference on the binding at every turn', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    await client.say('hello');
    const userId = client.chatUserId;
    const binding = await bot.bindings.get('web', userId);
    expect(binding?.conversationRef).toMatchObject({
      channelId: 'web',
      user: { id: userId },
      conversation: { id: `webchat:${userId}` },
    });
  });

  it('handles a resent message (same client id) once', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    const runs = bot.dialogs.runs;
    const first = await client.send({ text: 'once', id: 'resend-test-0001' });
    const again = await client.send({ text: 'once', id: 'resend-test-0001' });
    expect(first.duplicate).toBe(false);
    expect(again).toMatchObject({ status: 200, duplicate: true, activities: [] });
    expect(bot.dialogs.runs).toBe(runs + 1);
    expect(textOf((await client.send({ text: 'next' })).activities)).toContain('#2');
  });

  it('runs one turn per conversation at a time, and different conversations in parallel', async () => {
    const a = new WebChatClient(bot.url);
    const b = new WebChatClient(bot.url);
    await a.session();
    await b.session();
    bot.dialogs.delayMs = 150;
    bot.dialogs.maxActive = 0;
    try {
      const replies = await Promise.all([a.say('1'), a.say('2'), a.say('3')]);
      expect(bot.dialogs.maxActive).toBe(1);
      // No turn lost another's state: the counts are 1, 2 and 3 in some order.
      const counts = replies.map((r) => Number(/#(\d+)/.exec(r.text)![1])).sort();
      expect(counts).toEqual([1, 2, 3]);
      bot.dialogs.maxActive = 0;
      await Promise.all([a.say('x'), b.say('y')]);
      expect(bot.dialogs.maxActive).toBe(2);
    } finally {
      bot.dialogs.delayMs = 0;
    }
  });

  it('turns a failing turn into a localized apology without details, logs it with the turn id and keeps the old state', async () => {
    for (const [locale, expected] of [
      ['zh-CN', '抱歉'],
      ['en-US', 'Sorry'],
    ] as const) {
      const client = new WebChatClient(bot.url, { locale });
      await client.session();
      await client.say('one');
      const failed = await client.send({
        text: 'boom',
        value: { action: 'boom' },
        id: `boom-${locale}-0001`,
      });
      expect(failed.status).toBe(200);
      const text = textOf(failed.activities);
      expect(text).toContain(expected);
      expect(text).not.toMatch(/internal detail|Error|at /);
      const logged = bot.logs.find((l) => l.msg === 'turn failed' && l.turnId === `c-boom-${locale}-0001`);
      expect(logged).toBeDefined();
      // The failed turn's state change (count 2) was not saved.
      expect((await client.say('two')).text).toContain('#2');
    }
  });

  it('pushes a resume to the open page over server-sent events', async () => {
    const client = new WebChatClient(bot.url, { locale: 'en-US' });
    await client.session();
    await client.say('hello');
    const events = await client.events();
    try {
      const userId = client.chatUserId;
      await bot.runtime.resume('web', userId, { kind: 'signed_in' });
      const pushed = await events.next();
      expect(pushed).toMatchObject({ op: 'add', text: 'resumed:signed_in', locale: 'en-US' });
    } finally {
      events.close();
    }
  });

  it('keeps pushes for a closed page and delivers them once at the next visit', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    await client.say('hello');
    const userId = client.chatUserId;
    await bot.runtime.resume('web', userId, { kind: 'password_changed' });
    // Another process (a worker) delivers through its own push object.
    const workerPush = createWebChatPush(bot.ctx);
    await workerPush.deliver(userId, { type: 'message', text: 'ticket accepted' });
    await workerPush.close();

    const events = await client.events();
    expect((await events.next()).text).toBe('resumed:password_changed');
    expect((await events.next()).text).toBe('ticket accepted');
    events.close();

    const again = await client.events();
    await expect(again.next(500)).rejects.toThrow(/no pushed message/);
    again.close();
  });

  it('gives each stored push to one page only when two pages of the user connect at the same moment', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    await client.say('hello');
    const userId = client.chatUserId;
    const workerPush = createWebChatPush(bot.ctx);
    for (const n of [1, 2, 3, 4, 5])
      await workerPush.deliver(userId, { type: 'message', text: `update ${n}` });
    await workerPush.close();

    // Each page collects what it is sent until closed.
    const collect = (events: WebChatEvents, into: string[]) =>
      (async () => {
        try {
          for (;;) into.push((await events.next(60_000)).text);
        } catch {
          // closed
        }
      })();
    const [first, second] = await Promise.all([client.events(), client.events()]);
    const a: string[] = [];
    const b: string[] = [];
    const collecting = [collect(first, a), collect(second, b)];
    const deadline = Date.now() + 20_000;
    while (a.length + b.length < 5 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // All five arrived; a little longer for a duplicate that would follow.
    await new Promise((r) => setTimeout(r, 300));
    first.close();
    second.close();
    await Promise.all(collecting);
    expect([...a, ...b].sort()).toEqual(['update 1', 'update 2', 'update 3', 'update 4', 'update 5']);
    // Whoever took the backlog shows it in order.
    for (const texts of [a, b]) expect(texts).toEqual([...texts].sort());
  });

  it('a worker push reaches an open page at once', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    const userId = client.chatUserId;
    const events = await client.events();
    const workerPush = createWebChatPush(bot.ctx);
    try {
      await workerPush.deliver(userId, { type: 'message', text: 'progress', attachments: [] });
      expect(await events.next()).toMatchObject({
        text: 'progress',
        blocks: [{ kind: 'text', text: 'progress' }],
      });
    } finally {
      events.close();
      await workerPush.close();
    }
  });

  it('resume for a web user who never spoke still reaches them (default reference)', async () => {
    const client = new WebChatClient(bot.url);
    await client.session();
    const userId = client.chatUserId;
    bot.bindings.rows.delete(`web:${userId}`);
    await bot.runtime.resume('web', userId, { kind: 'password_reset' });
    const events = await client.events();
    expect((await events.next()).text).toBe('resumed:password_reset');
    events.close();
  });

  it('serves the chat page with security headers', async () => {
    const res = await fetch(`${bot.url}/chat`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<script src="/chat/app.js"');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    const script = await fetch(`${bot.url}/chat/app.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
  });
});

describe('web chat across two processes', () => {
  let database: TestDatabase;
  let one: BotHarness;
  let two: BotHarness;

  beforeAll(async () => {
    database = await createTestDatabase(drivers.includes('postgres') ? 'postgres' : 'pglite');
    one = await startBotHarness(database.db);
    two = await startBotHarness(database.db, { REDIS_PREFIX: one.ctx.config.REDIS_PREFIX });
  });
  afterAll(async () => {
    await one?.stop();
    await two?.stop();
    await database?.drop();
  });

  it('runs simultaneous turns of one conversation on two processes one after the other, on fresh state', async () => {
    const a = new WebChatClient(one.url, { locale: 'en-US' });
    await a.session();
    await a.say('start');
    const b = a.sameBrowserOn(two.url);
    one.dialogs.delayMs = 300;
    two.dialogs.delayMs = 300;
    const [ra, rb] = await Promise.all([a.say('from one'), b.say('from two')]);
    one.dialogs.delayMs = 0;
    two.dialogs.delayMs = 0;
    // Neither turn was lost: one counted #2, the other (having waited for the lease) #3.
    expect([ra.text, rb.text].map((t) => /#(\d+)/.exec(t)![1]).sort()).toEqual(['2', '3']);
    expect((await b.say('after')).text).toContain('#4');
  });

  it('without a shared lease (another Redis prefix), the state eTag lets one turn win and tells the other user politely', async () => {
    const apart = await startBotHarness(database.db);
    try {
      const a = new WebChatClient(one.url, { locale: 'en-US' });
      await a.session();
      await a.say('start');
      const b = a.sameBrowserOn(apart.url);
      one.dialogs.delayMs = 300;
      apart.dialogs.delayMs = 300;
      const [ra, rb] = await Promise.all([a.say('from one'), b.say('from apart')]);
      one.dialogs.delayMs = 0;
      const texts = [ra.text, rb.text];
      expect(texts.filter((t) => t.includes('#2'))).toHaveLength(2);
      expect(texts.filter((t) => t.includes('at the same time as another one'))).toHaveLength(1);
      // The winner's count stands: the next turn is #3 on either process.
      expect((await b.say('after')).text).toContain('#3');
    } finally {
      await apart.stop();
    }
  });

  it('a push stored by one process reaches the page connected to the other', async () => {
    const client = new WebChatClient(two.url);
    await client.session();
    const userId = client.chatUserId;
    const events = await client.events();
    try {
      await one.runtime.resume('web', userId, { kind: 'signed_in' });
      expect((await events.next()).text).toBe('resumed:signed_in');
    } finally {
      events.close();
    }
  });
});
